import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Stack } from 'aws-cdk-lib';
import { alarmHasAction } from '../../lib/rules/alarm-has-action';
import { checkStack } from './check';

const RULE = alarmHasAction.id;

const alarm = (stack: Stack, id: string, props: Partial<cloudwatch.AlarmProps> = {}) =>
  new cloudwatch.Alarm(stack, id, {
    metric: new cloudwatch.Metric({ namespace: 'App', metricName: 'Errors' }),
    threshold: 1,
    evaluationPeriods: 1,
    ...props,
  });

describe('AlarmHasAction', () => {
  test('an alarm without actions and one with actions disabled are reported', () => {
    // GIVEN an alarm that notifies nobody and one whose actions are switched off
    const { findings } = checkStack((stack) => {
      alarm(stack, 'Silent');
      alarm(stack, 'Disabled', { actionsEnabled: false }).addAlarmAction(
        new actions.SnsAction(new sns.Topic(stack, 'T')),
      );
    }, RULE);
    // THEN both are reported, each at its cause
    expect(findings.map((f) => [f.path, f.location])).toEqual([
      ['Test/Silent/Resource', 'Properties/AlarmActions'],
      ['Test/Disabled/Resource', 'Properties/ActionsEnabled'],
    ]);
  });

  test('an alarm that notifies a topic passes', () => {
    // GIVEN an alarm with a topic action
    const { findings } = checkStack((stack) => {
      alarm(stack, 'Loud').addAlarmAction(new actions.SnsAction(new sns.Topic(stack, 'Topic')));
    }, RULE);
    // THEN nothing is reported
    expect(findings).toEqual([]);
  });
});
