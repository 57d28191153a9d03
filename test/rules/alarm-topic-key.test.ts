import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Stack } from 'aws-cdk-lib';
import { alarmTopicKeyAllowsCloudWatch } from '../../lib/rules/alarm-topic-key';
import { checkStack } from './check';

const RULE = alarmTopicKeyAllowsCloudWatch.id;

function alarmOn(stack: Stack, topic: sns.ITopic): void {
  new cloudwatch.Alarm(stack, 'Alarm', {
    metric: new cloudwatch.Metric({ namespace: 'App', metricName: 'Errors' }),
    threshold: 1,
    evaluationPeriods: 1,
  }).addAlarmAction(new actions.SnsAction(topic));
}

describe('AlarmTopicKeyAllowsCloudWatch', () => {
  test('an alarm topic whose key does not let CloudWatch use it is reported', () => {
    // GIVEN an alarm publishing to a topic encrypted with a key that only the account may use
    const { findings } = checkStack((stack) => {
      alarmOn(stack, new sns.Topic(stack, 'Topic', { masterKey: new kms.Key(stack, 'Key') }));
    }, RULE);
    // THEN the topic's key is reported with the missing actions
    expect(findings).toEqual([
      expect.objectContaining({
        path: 'Test/Topic/Resource',
        location: 'Properties/KmsMasterKeyId',
        description: expect.stringContaining(
          'does not allow cloudwatch.amazonaws.com kms:Decrypt, kms:GenerateDataKey',
        ),
      }),
    ]);
  });

  test('an alarm topic encrypted with the AWS managed key is reported', () => {
    // GIVEN an alarm publishing to a topic encrypted with alias/aws/sns
    const { findings } = checkStack((stack) => {
      alarmOn(
        stack,
        new sns.Topic(stack, 'Topic', {
          masterKey: kms.Alias.fromAliasName(stack, 'Managed', 'alias/aws/sns'),
        }),
      );
    }, RULE);
    // THEN the rule says why no policy can fix it
    expect(findings.map((f) => f.description)).toEqual([
      expect.stringContaining('AWS managed key alias/aws/sns'),
    ]);
  });

  test('a key that lets CloudWatch decrypt and generate data keys passes; topics without alarms are not checked', () => {
    // GIVEN the alarm topic's key granting CloudWatch what SNS documents, and an unrelated encrypted topic
    const { findings } = checkStack((stack) => {
      const key = new kms.Key(stack, 'Key');
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      );
      alarmOn(stack, new sns.Topic(stack, 'Topic', { masterKey: key }));
      new sns.Topic(stack, 'Other', { masterKey: new kms.Key(stack, 'OtherKey') });
    }, RULE);
    // THEN nothing is reported
    expect(findings).toEqual([]);
  });
});
