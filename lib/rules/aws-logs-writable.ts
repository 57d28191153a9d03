import {
  Finding,
  PolicyStatement,
  Rule,
  StackTemplate,
  UNKNOWN,
  allowsAction,
  asArray,
  isObject,
  wildcardMatch,
} from './template';

/** What the awslogs driver does with the execution role's credentials. */
const WRITE_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/**
 * A container that logs with the `awslogs` driver writes through the task execution role: it needs
 * logs:CreateLogStream and logs:PutLogEvents on the log group (the two log actions of
 * AmazonECSTaskExecutionRolePolicy). Without them the container's logs never arrive.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
 */
export const awsLogsWritable: Rule = {
  id: 'AwsLogsWritable',
  description:
    'A container using the awslogs driver needs logs:CreateLogStream and logs:PutLogEvents on its log group ' +
    'in the task execution role, or its logs never arrive.',
  source: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html',
  resourceTypes: ['AWS::ECS::TaskDefinition'],
  check(task, template) {
    const findings: Finding[] = [];
    const role = template.referenced(task.properties.ExecutionRoleArn)?.resource;
    asArray(task.properties.ContainerDefinitions).forEach((container, i) => {
      const logging = isObject(container) ? container.LogConfiguration : undefined;
      if (!isObject(logging) || logging.LogDriver !== 'awslogs' || !isObject(logging.Options)) return;
      const location = `Properties/ContainerDefinitions/${i}/LogConfiguration`;
      if (!role || role.type !== 'AWS::IAM::Role') {
        findings.push({ location, message: 'the awslogs driver needs an execution role of this template' });
        return;
      }
      const group = logging.Options['awslogs-group'];
      const { statements } = template.statementsOfRole(role.logicalId);
      const missing = WRITE_ACTIONS.filter(
        (action) => !statements.some((s) => allowsAction(s, action) && coversGroup(s, group, template)),
      );
      if (missing.length) {
        findings.push({
          location,
          message: `execution role ${role.logicalId} cannot write the container's log group: missing ${missing.join(', ')}`,
        });
      }
    });
    return findings;
  },
};

/** Whether a statement covers the log group: its own resource (`Fn::GetAtt [group, Arn]`), "*", or an ARN pattern matching its name. */
function coversGroup(statement: PolicyStatement, group: unknown, template: StackTemplate): boolean {
  const groupResource = template.referenced(group)?.resource;
  const name = groupResource
    ? (template.render(groupResource.properties.LogGroupName) ?? UNKNOWN)
    : (template.render(group) ?? UNKNOWN);
  const arn = `arn:x:logs:x:x:log-group:${name.split(UNKNOWN).join('x')}:log-stream:x`;
  return asArray(statement.Resource).some((r) => {
    const target = template.referenced(r)?.resource;
    if (target && groupResource) return target.logicalId === groupResource.logicalId;
    const pattern = template.render(r);
    if (pattern === undefined) return false;
    if (pattern === '*') return true;
    const anyPartition = pattern
      .replace(/^arn:[^:]*:/, `arn:${UNKNOWN}:`)
      .split(UNKNOWN)
      .join('*');
    return wildcardMatch(anyPartition, arn);
  });
}
