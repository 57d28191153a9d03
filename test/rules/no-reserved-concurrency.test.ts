import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Stack } from 'aws-cdk-lib';
import { noReservedConcurrency } from '../../lib/rules/no-reserved-concurrency';
import { checkStack } from './check';

const RULE = noReservedConcurrency.id;

const fn = (stack: Stack, reservedConcurrentExecutions?: number) =>
  new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
    reservedConcurrentExecutions,
  });

describe('NoReservedConcurrency', () => {
  test('a function that reserves concurrency is reported', () => {
    // GIVEN a function reserving one concurrent execution
    const { findings } = checkStack((stack) => void fn(stack, 1), RULE);
    // THEN it is reported at the property
    expect(findings).toEqual([
      expect.objectContaining({
        path: 'Test/Fn/Resource',
        location: 'Properties/ReservedConcurrentExecutions',
      }),
    ]);
  });

  test('a function without reservation passes', () => {
    // GIVEN a function that takes from the unreserved pool
    const { findings } = checkStack((stack) => void fn(stack), RULE);
    // THEN nothing is reported
    expect(findings).toEqual([]);
  });
});
