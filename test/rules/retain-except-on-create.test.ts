import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { retainExceptOnCreate } from '../../lib/rules/retain-except-on-create';
import { checkStack } from './check';

const RULE = retainExceptOnCreate.id;

describe('RetainExceptOnCreate', () => {
  test('a fixed-name log group with plain Retain is reported', () => {
    // GIVEN a log group with an explicit name, retained on every deletion
    const { findings } = checkStack((stack) => {
      new logs.LogGroup(stack, 'Logs', { logGroupName: '/app/fixed', removalPolicy: RemovalPolicy.RETAIN });
    }, RULE);
    // THEN its deletion policy is reported
    expect(findings).toEqual([
      expect.objectContaining({
        path: 'Test/Logs/Resource',
        location: 'DeletionPolicy',
        description: expect.stringContaining('fixed LogGroupName "/app/fixed" has DeletionPolicy Retain'),
      }),
    ]);
  });

  test('RetainExceptOnCreate, Delete, and Retain without a fixed name (none, or built from a generated one) pass', () => {
    // GIVEN the three policies that do not block a retry after a failed create
    const { findings } = checkStack((stack) => {
      new logs.LogGroup(stack, 'Kept', {
        logGroupName: '/app/kept',
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      });
      new logs.LogGroup(stack, 'Deleted', {
        logGroupName: '/app/deleted',
        removalPolicy: RemovalPolicy.DESTROY,
      });
      new logs.LogGroup(stack, 'Unnamed', { removalPolicy: RemovalPolicy.RETAIN });
      // A name built from a generated name changes on the retry: not fixed.
      const generated = new logs.LogGroup(stack, 'Generated');
      new logs.LogGroup(stack, 'Derived', {
        logGroupName: `/derived/${generated.logGroupName}`,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }, RULE);
    // THEN nothing is reported
    expect(findings).toEqual([]);
  });
});
