import { Rule, allowsAction, servicePrincipals, statementsOf } from './template';

/** What CloudWatch Logs needs on the key of an encrypted log group. */
const LOGS_KEY_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:GenerateDataKey',
  'kms:DescribeKey',
];

/**
 * A log group encrypted with a KMS key needs a key policy that lets the regional CloudWatch Logs
 * service principal (`logs.<region>.amazonaws.com`) encrypt, decrypt, re-encrypt, generate data keys
 * and describe the key; otherwise creating the log group fails (or, for a key changed later, log
 * events are no longer accepted).
 * Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export const logGroupKeyAllowsLogs: Rule = {
  id: 'LogGroupKeyAllowsLogs',
  description:
    'A log group encrypted with a KMS key needs a key policy allowing logs.<region>.amazonaws.com kms:Encrypt*, ' +
    'kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey* and kms:Describe*, or the log group cannot be created or written.',
  source: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html',
  resourceTypes: ['AWS::Logs::LogGroup'],
  check(logGroup, template) {
    const keyId = logGroup.properties.KmsKeyId;
    if (keyId === undefined) return [];
    const location = 'Properties/KmsKeyId';
    const key = template.kmsKey(keyId);
    if (!key) {
      return [
        {
          location,
          message: `log group is encrypted with key ${template.render(keyId) ?? JSON.stringify(keyId)}, which is not in this template: its policy cannot be checked`,
        },
      ];
    }
    const statements = statementsOf(key.properties.KeyPolicy).filter((s) =>
      servicePrincipals(s, template).some((p) => /^logs\.[^.]+(\.[^.]+)*\.amazonaws\.com(\.cn)?$/.test(p)),
    );
    const missing = LOGS_KEY_ACTIONS.filter((action) => !statements.some((s) => allowsAction(s, action)));
    if (missing.length === 0) return [];
    return [
      {
        location,
        message: `the policy of key ${key.logicalId} does not allow logs.<region>.amazonaws.com ${missing.join(', ')}`,
      },
    ];
  },
};
