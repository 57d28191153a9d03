import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Stack } from 'aws-cdk-lib';
import { ecrPullPermissions } from '../../lib/rules/ecr-pull-permissions';
import { checkStack } from './check';

const RULE = ecrPullPermissions.id;
const ECR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.0';

function taskWith(stack: Stack, image: ecs.ContainerImage): ecs.FargateTaskDefinition {
  const task = new ecs.FargateTaskDefinition(stack, 'Task');
  task.addContainer('App', { image });
  return task;
}

const pullStatements = (repositoryArn: string) => [
  new iam.PolicyStatement({
    actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
    resources: [repositoryArn],
  }),
  new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
];

describe('EcrPullPermissions', () => {
  test('an ECR image from fromRegistry in a task without execution role is reported', () => {
    // GIVEN a task that names a private ECR image by its registry address and needs no other agent permission
    const { findings } = checkStack((stack) => {
      taskWith(stack, ecs.ContainerImage.fromRegistry(ECR_IMAGE));
    }, RULE);
    // THEN the image is reported: there is no role to pull it with
    expect(findings).toEqual([
      expect.objectContaining({
        path: 'Test/Task/Resource',
        location: 'Properties/ContainerDefinitions/0/Image',
        description: expect.stringContaining('is in ECR, but the task has no execution role'),
      }),
    ]);
  });

  test('an execution role without pull permissions is reported with the three missing permissions', () => {
    // GIVEN the task's execution role, created for something else (reading a parameter)
    const { findings } = checkStack((stack) => {
      const task = taskWith(stack, ecs.ContainerImage.fromRegistry(ECR_IMAGE));
      task.addToExecutionRolePolicy(
        new iam.PolicyStatement({ actions: ['ssm:GetParameters'], resources: ['*'] }),
      );
    }, RULE);
    // THEN the image is reported with everything ECR needs
    expect(findings.map((f) => f.description)).toEqual([
      expect.stringContaining(
        'missing ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, ecr:GetAuthorizationToken on "*"',
      ),
    ]);
  });

  test('pull permissions on another repository do not count', () => {
    // GIVEN an execution role that may pull only repository "other"
    const { findings } = checkStack((stack) => {
      const task = taskWith(stack, ecs.ContainerImage.fromRegistry(ECR_IMAGE));
      pullStatements('arn:aws:ecr:eu-west-1:123456789012:repository/other').forEach((s) =>
        task.addToExecutionRolePolicy(s),
      );
    }, RULE);
    // THEN the repository actions are still missing (the token alone is not enough)
    expect(findings.map((f) => f.description)).toEqual([
      expect.stringContaining('missing ecr:BatchGetImage, ecr:GetDownloadUrlForLayer.'),
    ]);
  });

  test('pull permissions scoped to the repository pass', () => {
    // GIVEN the execution role granted exactly what ECR documents, on the image's repository
    const { findings } = checkStack((stack) => {
      const task = taskWith(stack, ecs.ContainerImage.fromRegistry(ECR_IMAGE));
      pullStatements('arn:aws:ecr:eu-west-1:123456789012:repository/app').forEach((s) =>
        task.addToExecutionRolePolicy(s),
      );
    }, RULE);
    // THEN nothing is reported
    expect(findings).toEqual([]);
  });

  test('grantPull of an imported repository (this account by name, or another account by ARN) passes', () => {
    // GIVEN images of this account's and of another account's registry, each granted with grantPull
    const { findings } = checkStack((stack) => {
      const task = taskWith(stack, ecs.ContainerImage.fromRegistry(ECR_IMAGE));
      ecr.Repository.fromRepositoryName(stack, 'Own', 'app').grantPull(task.obtainExecutionRole());
      const shared = new ecs.FargateTaskDefinition(stack, 'Shared');
      shared.addContainer('App', {
        image: ecs.ContainerImage.fromRegistry(
          '210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/api@sha256:abc',
        ),
      });
      ecr.Repository.fromRepositoryArn(
        stack,
        'Theirs',
        'arn:aws:ecr:eu-west-1:210987654321:repository/team/api',
      ).grantPull(shared.obtainExecutionRole());
    }, RULE);
    // THEN nothing is reported
    expect(findings).toEqual([]);
  });

  test('fromEcrRepository (which grants the pull itself) and public images pass', () => {
    // GIVEN one task with an image of a repository of the stack and one with a public image
    const { findings } = checkStack((stack) => {
      const repository = new ecr.Repository(stack, 'Repo', { repositoryName: 'app' });
      taskWith(stack, ecs.ContainerImage.fromEcrRepository(repository, '1.0'));
      new ecs.FargateTaskDefinition(stack, 'Public').addContainer('App', {
        image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
      });
    }, RULE);
    // THEN nothing is reported
    expect(findings).toEqual([]);
  });
});
