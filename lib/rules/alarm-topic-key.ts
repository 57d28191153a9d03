import {
  Rule,
  StackTemplate,
  TemplateResource,
  asArray,
  allowsAction,
  servicePrincipals,
  statementsOf,
} from './template';

const CLOUDWATCH = 'cloudwatch.amazonaws.com';
/** What CloudWatch needs on the key of an encrypted topic it publishes to. */
const CLOUDWATCH_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'];

/**
 * An SNS topic that alarms of the stack publish to, encrypted with KMS, must let CloudWatch use the
 * key: its key policy allows `cloudwatch.amazonaws.com` kms:Decrypt and kms:GenerateDataKey*. Without
 * that, every alarm notification is dropped silently. The AWS managed key `alias/aws/sns` cannot be
 * given that permission (its policy cannot be edited), so such topics need a customer managed key.
 * Source: https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
export const alarmTopicKeyAllowsCloudWatch: Rule = {
  id: 'AlarmTopicKeyAllowsCloudWatch',
  description:
    'An encrypted SNS topic that alarms publish to uses a customer managed key whose policy lets ' +
    'cloudwatch.amazonaws.com use kms:Decrypt and kms:GenerateDataKey*; otherwise alarm notifications are dropped silently.',
  source: 'https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services',
  resourceTypes: ['AWS::SNS::Topic'],
  check(topic, template) {
    const keyId = topic.properties.KmsMasterKeyId;
    if (keyId === undefined || !alarmsPublishTo(topic, template)) return [];
    const location = 'Properties/KmsMasterKeyId';
    const key = template.kmsKey(keyId);
    if (!key) {
      const shownKey = template.render(keyId) ?? JSON.stringify(keyId);
      return [
        {
          location,
          message: /alias\/aws\/sns$/.test(shownKey)
            ? 'alarms publish to a topic encrypted with the AWS managed key alias/aws/sns, whose policy cannot allow CloudWatch'
            : `alarms publish to a topic encrypted with key ${shownKey}, which is not in this template: its policy cannot be checked`,
        },
      ];
    }
    const statements = statementsOf(key.properties.KeyPolicy).filter((s) =>
      servicePrincipals(s, template).includes(CLOUDWATCH),
    );
    const missing = CLOUDWATCH_KEY_ACTIONS.filter(
      (action) => !statements.some((s) => allowsAction(s, action)),
    );
    if (missing.length === 0) return [];
    return [
      {
        location,
        message: `alarms publish to this topic, but the policy of key ${key.logicalId} does not allow ${CLOUDWATCH} ${missing.join(', ')}`,
      },
    ];
  },
};

function alarmsPublishTo(topic: TemplateResource, template: StackTemplate): boolean {
  return template
    .all()
    .filter((r) => r.type === 'AWS::CloudWatch::Alarm' || r.type === 'AWS::CloudWatch::CompositeAlarm')
    .some((alarm) =>
      ['AlarmActions', 'OKActions', 'InsufficientDataActions'].some((key) =>
        asArray(alarm.properties[key]).some(
          (a) => template.referenced(a)?.resource.logicalId === topic.logicalId,
        ),
      ),
    );
}
