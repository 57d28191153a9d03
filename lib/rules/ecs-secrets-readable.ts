import {
  Finding,
  PolicyStatement,
  Rule,
  StackTemplate,
  TemplateResource,
  UNKNOWN,
  allowsAction,
  asArray,
  isObject,
  shown,
  wildcardMatch,
} from './template';

/**
 * An ECS secret (`ContainerDefinitions[].Secrets[].ValueFrom`) is read by the ECS/Fargate agent with
 * the task execution role before the container starts: a Secrets Manager secret needs
 * secretsmanager:GetSecretValue, an SSM parameter ssm:GetParameters. Without it the task stops with
 * ResourceInitializationError ("unable to pull secrets") and the service never becomes healthy.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
 */
export const ecsSecretsReadable: Rule = {
  id: 'EcsSecretsReadable',
  description:
    'Each ECS secret is readable by the task execution role (secretsmanager:GetSecretValue on the secret, ' +
    'ssm:GetParameters on the parameter); otherwise the task stops with ResourceInitializationError before it starts.',
  source: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html',
  resourceTypes: ['AWS::ECS::TaskDefinition'],
  check(task, template) {
    const findings: Finding[] = [];
    const role = template.referenced(task.properties.ExecutionRoleArn)?.resource;
    asArray(task.properties.ContainerDefinitions).forEach((container, i) => {
      if (!isObject(container)) return;
      asArray(container.Secrets).forEach((secret, j) => {
        if (!isObject(secret)) return;
        const location = `Properties/ContainerDefinitions/${i}/Secrets/${j}/ValueFrom`;
        const source = secretSource(secret.ValueFrom, template);
        if (!role || role.type !== 'AWS::IAM::Role') {
          findings.push({
            location,
            message: `secret ${secret.Name} needs an execution role of this template to be read`,
          });
          return;
        }
        const { statements } = template.statementsOfRole(role.logicalId);
        if (!statements.some((s) => allowsAction(s, source.action) && covers(s, source, template))) {
          findings.push({
            location,
            message: `execution role ${role.logicalId} cannot read secret ${secret.Name} (${source.shown}): missing ${source.action}`,
          });
        }
      });
    });
    return findings;
  },
};

interface SecretSource {
  readonly action: string;
  /** The secret resource of this template the value comes from, if it is one. */
  readonly secret?: TemplateResource;
  /** The ARN or name as far as the template shows it. */
  readonly arn: string;
  readonly shown: string;
}

/**
 * Where a ValueFrom reads: `Ref` of a secret (or of its target attachment, whose `Ref` is the secret
 * ARN), possibly joined with `:json-key:version-stage:version-id`, or an SSM parameter ARN or name.
 */
function secretSource(valueFrom: unknown, template: StackTemplate): SecretSource {
  const join = isObject(valueFrom) ? valueFrom['Fn::Join'] : undefined;
  const head = Array.isArray(join) && Array.isArray(join[1]) ? join[1][0] : valueFrom;
  const target = template.referenced(head)?.resource;
  const secret =
    target?.type === 'AWS::SecretsManager::SecretTargetAttachment'
      ? template.referenced(target.properties.SecretId)?.resource
      : target?.type === 'AWS::SecretsManager::Secret'
        ? target
        : undefined;
  const rendered = template.render(valueFrom) ?? UNKNOWN;
  const isParameter = !secret && !/:secretsmanager:/.test(rendered);
  // A parameter of the task's own region may be named without its ARN; IAM sees the ARN.
  const arn =
    isParameter && !rendered.startsWith('arn:')
      ? `arn:${UNKNOWN}:ssm:${UNKNOWN}:${UNKNOWN}:parameter/${rendered.replace(/^\//, '')}`
      : rendered;
  return {
    action: isParameter ? 'ssm:GetParameters' : 'secretsmanager:GetSecretValue',
    secret,
    arn,
    shown: secret ? secret.logicalId : shown(arn),
  };
}

/** Whether a statement's resources cover the secret: the same secret resource, or a pattern matching its ARN. */
function covers(statement: PolicyStatement, source: SecretSource, template: StackTemplate): boolean {
  return asArray(statement.Resource).some((r) => {
    if (source.secret) {
      const target = template.referenced(r)?.resource;
      const resolved =
        target?.type === 'AWS::SecretsManager::SecretTargetAttachment'
          ? template.referenced(target.properties.SecretId)?.resource
          : target;
      if (resolved) return resolved.logicalId === source.secret.logicalId;
    }
    const pattern = template.render(r);
    if (pattern === undefined) return false;
    if (pattern === '*') return true;
    return (
      !source.secret && wildcardMatch(pattern.split(UNKNOWN).join('*'), source.arn.split(UNKNOWN).join('x'))
    );
  });
}
