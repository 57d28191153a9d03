import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { logGroupKeyAllowsLogs } from '../../lib/rules/log-group-key-allows-logs';
import { checkStack } from './check';

const RULE = logGroupKeyAllowsLogs.id;

describe('LogGroupKeyAllowsLogs', () => {
  test('a log group encrypted with a key CloudWatch Logs may not use is reported', () => {
    // GIVEN a log group encrypted with a key whose policy names only the account
    const { findings } = checkStack((stack) => {
      new logs.LogGroup(stack, 'Logs', { encryptionKey: new kms.Key(stack, 'Key') });
    }, RULE);
    // THEN the log group's key is reported
    expect(findings).toEqual([
      expect.objectContaining({
        path: 'Test/Logs/Resource',
        location: 'Properties/KmsKeyId',
        description: expect.stringContaining('does not allow logs.<region>.amazonaws.com kms:Encrypt'),
      }),
    ]);
  });

  test('a key granting the regional Logs principal the documented actions passes', () => {
    // GIVEN the key policy statement of the CloudWatch Logs guide, scoped by the log group encryption context
    const { findings } = checkStack((stack) => {
      const key = new kms.Key(stack, 'Key');
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
          actions: [
            'kms:Encrypt*',
            'kms:Decrypt*',
            'kms:ReEncrypt*',
            'kms:GenerateDataKey*',
            'kms:Describe*',
          ],
          resources: ['*'],
          conditions: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${stack.region}:${stack.account}:log-group:*`,
            },
          },
        }),
      );
      new logs.LogGroup(stack, 'Logs', { encryptionKey: key });
    }, RULE);
    // THEN nothing is reported
    expect(findings).toEqual([]);
  });
});
