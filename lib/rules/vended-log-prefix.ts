import { VENDED_LOGS_PREFIX } from '../aws-conventions';
import { asArray, isObject, Rule, shown, TemplateResource } from './template';

/**
 * A log group that an AWS service writes to as a vended log (a Step Functions state machine's log,
 * a FIS experiment log) is named under `/aws/vendedlogs/`. The service adds the group to the
 * account's CloudWatch Logs resource policy, which is limited to 5,120 characters; under the prefix
 * one statement covers every group, elsewhere each group adds its ARN until deliveries fail in a
 * busy account. Source: https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html ("prefix
 * your CloudWatch Logs log group names with /aws/vendedlogs/").
 */
export const vendedLogPrefix: Rule = {
  id: 'VendedLogPrefix',
  description:
    'A log group that an AWS service delivers to (Step Functions, FIS) is named under /aws/vendedlogs/: otherwise each group ' +
    'adds to the account log resource policy, limited to 5,120 characters.',
  source: 'https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html',
  resourceTypes: ['AWS::StepFunctions::StateMachine', 'AWS::FIS::ExperimentTemplate'],
  check(resource, template) {
    return destinations(resource).flatMap(({ location, arn }) => {
      const group = template.referenced(arn)?.resource;
      if (group?.type !== 'AWS::Logs::LogGroup') return [];
      const name = template.render(group.properties.LogGroupName);
      if (name !== undefined && name.startsWith(VENDED_LOGS_PREFIX)) return [];
      return [
        {
          location,
          message: `${resource.type === 'AWS::FIS::ExperimentTemplate' ? 'FIS' : 'Step Functions'} delivers to log group ${group.logicalId}, named ${name === undefined ? 'by CloudFormation' : JSON.stringify(shown(name))}, outside ${VENDED_LOGS_PREFIX}`,
        },
      ];
    });
  },
};

/** Where a resource points the service's log delivery (the log group ARN values and their paths). */
function destinations(resource: TemplateResource): { location: string; arn: unknown }[] {
  if (resource.type === 'AWS::FIS::ExperimentTemplate') {
    const logs = (resource.properties.LogConfiguration as Record<string, unknown> | undefined)
      ?.CloudWatchLogsConfiguration;
    return isObject(logs) && logs.LogGroupArn !== undefined
      ? [
          {
            location: 'Properties/LogConfiguration/CloudWatchLogsConfiguration/LogGroupArn',
            arn: logs.LogGroupArn,
          },
        ]
      : [];
  }
  const config = resource.properties.LoggingConfiguration as Record<string, unknown> | undefined;
  return asArray(config?.Destinations).flatMap((destination, index) => {
    const group = isObject(destination) ? destination.CloudWatchLogsLogGroup : undefined;
    return isObject(group) && group.LogGroupArn !== undefined
      ? [
          {
            location: `Properties/LoggingConfiguration/Destinations/${index}/CloudWatchLogsLogGroup/LogGroupArn`,
            arn: group.LogGroupArn,
          },
        ]
      : [];
  });
}
