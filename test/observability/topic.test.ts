/** The alarm topic of the dev and prod presets: its key, its policy and its subscriptions. */
import { Match } from 'aws-cdk-lib/assertions';
import { resourcesOf, stackName } from '../helpers';
import { ENVS, Env, templates, topicRef } from './helpers';

/** The condition that limits CloudWatch to this account's alarms of this stack. */
function thisStacksAlarms(env: Env) {
  return {
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: {
      'aws:SourceArn': {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':cloudwatch:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            `:alarm:${stackName(env)}-*`,
          ],
        ],
      },
    },
  };
}

describe('alarm topic', () => {
  test.each(ENVS)('%s: encrypted with a rotating customer-managed key CloudWatch may use', (env) => {
    const t = templates[env];
    const keys = resourcesOf(t, 'AWS::KMS::Key').filter(([id]) => id.startsWith('ObservabilityTopicKey'));
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0];
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    expect(key.Properties).toMatchObject({ EnableKeyRotation: true });
    // THEN CloudWatch may use the key only for this account's alarms of this stack (confused deputy)
    expect((key.Properties!.KeyPolicy as { Statement: unknown[] }).Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Condition: thisStacksAlarms(env),
      }),
    );
  });

  test.each(ENVS)('%s: publishes only over TLS; this stack’s alarms may publish', (env) => {
    templates[env].hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topicRef(templates[env])],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: Match.exact(thisStacksAlarms(env)),
          }),
        ]),
      },
    });
  });

  test.each(ENVS)('%s: no e-mail subscription without observability.alarmEmail', (env) => {
    templates[env].resourceCountIs('AWS::SNS::Subscription', 0);
  });
});
