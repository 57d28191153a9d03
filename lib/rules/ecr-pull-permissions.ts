import {
  Finding,
  PolicyStatement,
  Rule,
  StackTemplate,
  UNKNOWN,
  allowsAction,
  asArray,
  isObject,
  shown,
  wildcardMatch,
} from './template';

/**
 * A private ECR image host: `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repository>[:tag|@digest]`.
 * The account and region parts may be only known at deploy time (`fromEcrRepository` builds them
 * from the repository ARN).
 */
const ECR_IMAGE = /^([^/]*)\.dkr\.ecr(?:-fips)?\.([^/]*?)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/;

/**
 * The AWS managed policy for task execution roles grants the ECR pull actions on "*".
 * Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/ECR_on_ECS.html
 */
const EXECUTION_ROLE_POLICY = /:policy\/service-role\/AmazonECSTaskExecutionRolePolicy$/;

/** Actions that take the repository as resource, and the account-wide one that supports only "*". */
const REPOSITORY_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
const AUTHORIZATION_ACTION = 'ecr:GetAuthorizationToken';

/**
 * A container image from a private ECR registry is pulled by the ECS/Fargate agent with the task's
 * execution role, which needs ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on the repository and
 * the account-wide ecr:GetAuthorizationToken. `ContainerImage.fromRegistry` grants none of them: tasks
 * stop with CannotPullContainerError and the deployment circuit breaker rolls the deploy back.
 * Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/ECR_on_ECS.html
 */
export const ecrPullPermissions: Rule = {
  id: 'EcrPullPermissions',
  description:
    'A container image from a private ECR registry needs ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on its ' +
    'repository and ecr:GetAuthorizationToken on "*" in the task execution role, or tasks fail with ' +
    'CannotPullContainerError.',
  source: 'https://docs.aws.amazon.com/AmazonECR/latest/userguide/ECR_on_ECS.html',
  resourceTypes: ['AWS::ECS::TaskDefinition'],
  check(resource, template) {
    const findings: Finding[] = [];
    asArray(resource.properties.ContainerDefinitions).forEach((container, i) => {
      if (!isObject(container)) return;
      const image = template.render(container.Image);
      const match = image && ECR_IMAGE.exec(image);
      if (!match) return;
      const [, account, region, repository] = match;
      const location = `Properties/ContainerDefinitions/${i}/Image`;
      const role = template.referenced(resource.properties.ExecutionRoleArn)?.resource;
      if (!role || role.type !== 'AWS::IAM::Role') {
        findings.push({
          location,
          message: `image ${shown(image)} is in ECR, but the task has no execution role of this template to pull it with`,
        });
        return;
      }
      const { statements, managedPolicyArns } = template.statementsOfRole(role.logicalId);
      if (managedPolicyArns.some((arn) => EXECUTION_ROLE_POLICY.test(arn))) return;
      const repositoryArn = `arn:${UNKNOWN}:ecr:${region}:${account}:repository/${repository}`;
      const missing = [
        ...REPOSITORY_ACTIONS.filter((action) => !grants(statements, action, repositoryArn, template)),
        ...(grants(statements, AUTHORIZATION_ACTION, '*', template)
          ? []
          : [`${AUTHORIZATION_ACTION} on "*"`]),
      ];
      if (missing.length) {
        findings.push({
          location,
          message: `execution role ${role.logicalId} cannot pull ${shown(image)}: missing ${missing.join(', ')}`,
        });
      }
    });
    return findings;
  },
};

/** Whether some Allow statement grants `action` on `arn` (a resource pattern or "*" covering it). */
function grants(
  statements: PolicyStatement[],
  action: string,
  arn: string,
  template: StackTemplate,
): boolean {
  return statements.some(
    (s) =>
      allowsAction(s, action) &&
      asArray(s.Resource).some((r) => {
        const pattern = resourcePattern(r, template);
        if (pattern === undefined) return false;
        if (arn === '*') return pattern === '*';
        // A part only known at deploy time (account, region) matches anything on either side; the
        // partition (aws, aws-cn, aws-us-gov) is not what scopes a grant to a repository.
        const anyPartition = pattern.replace(/^arn:[^:]*:/, `arn:${UNKNOWN}:`);
        return wildcardMatch(anyPartition.split(UNKNOWN).join('*'), arn.split(UNKNOWN).join('x'));
      }),
  );
}

/** A statement resource as an ARN pattern; a repository of this template becomes its ARN with its name. */
function resourcePattern(value: unknown, template: StackTemplate): string | undefined {
  const target = template.referenced(value);
  if (target?.resource.type === 'AWS::ECR::Repository') {
    const name = template.render(target.resource.properties.RepositoryName);
    return `arn:${UNKNOWN}:ecr:${UNKNOWN}:${UNKNOWN}:repository/${name ?? UNKNOWN}`;
  }
  return template.render(value);
}
