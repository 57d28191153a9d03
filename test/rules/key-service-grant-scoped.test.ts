import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { keyServiceGrantScoped } from '../../lib/rules/key-service-grant-scoped';
import { checkStack } from './check';

const RULE = keyServiceGrantScoped.id;

const grantCloudWatch = (key: kms.Key, conditions?: Record<string, unknown>) =>
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarms',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions,
    }),
  );

describe('KeyServiceGrantScoped', () => {
  test('a service grant without a scoping condition is reported at its statement', () => {
    // GIVEN a key that lets CloudWatch use it for anyone's alarms
    const { findings } = checkStack((stack) => {
      grantCloudWatch(new kms.Key(stack, 'Key'));
    }, RULE);
    // THEN the statement is reported
    expect(findings).toEqual([
      expect.objectContaining({
        path: 'Test/Key/Resource',
        location: 'Properties/KeyPolicy/Statement/1',
        description: expect.stringContaining(
          'statement CloudWatchAlarms lets cloudwatch.amazonaws.com use the key',
        ),
      }),
    ]);
  });

  test('a grant scoped by aws:SourceAccount and aws:SourceArn passes', () => {
    // GIVEN the same grant limited to this account's alarms
    const { findings } = checkStack((stack) => {
      grantCloudWatch(new kms.Key(stack, 'Key'), {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
      });
    }, RULE);
    // THEN nothing is reported
    expect(findings).toEqual([]);
  });
});
