import { Rule, asArray } from './template';

/**
 * Every alarm does something when it goes to ALARM: `AlarmActions` is not empty and actions are not
 * disabled. An alarm without an action changes state on the console and tells nobody. Step-scaling
 * alarms pass: their action is the scaling policy.
 * Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-actions
 */
export const alarmHasAction: Rule = {
  id: 'AlarmHasAction',
  description:
    'Every alarm has at least one AlarmActions entry (a topic, a scaling policy, ...) and actions enabled; ' +
    'otherwise it changes state without telling anyone.',
  source:
    'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-actions',
  resourceTypes: ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm'],
  check(resource) {
    if (resource.properties.ActionsEnabled === false || resource.properties.ActionsEnabled === 'false') {
      return [{ location: 'Properties/ActionsEnabled', message: 'alarm actions are disabled' }];
    }
    if (asArray(resource.properties.AlarmActions).length === 0) {
      return [{ location: 'Properties/AlarmActions', message: 'alarm has no AlarmActions' }];
    }
    return [];
  },
};
