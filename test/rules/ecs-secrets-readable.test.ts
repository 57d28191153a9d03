import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Stack } from 'aws-cdk-lib';
import { ecsSecretsReadable } from '../../lib/rules/ecs-secrets-readable';
import { checkStack } from './check';

const RULE = ecsSecretsReadable.id;

function taskWithSecrets(stack: Stack, secrets: Record<string, ecs.Secret>): ecs.FargateTaskDefinition {
  const task = new ecs.FargateTaskDefinition(stack, 'Task');
  task.addContainer('App', {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    secrets,
  });
  return task;
}

describe('EcsSecretsReadable', () => {
  test('a secret the execution role may not read is reported at its ValueFrom', () => {
    // GIVEN a task whose execution role lost its grant on the database secret (the grant CDK adds is removed)
    const { findings } = checkStack((stack) => {
      const secret = new secretsmanager.Secret(stack, 'DbSecret');
      const task = taskWithSecrets(stack, { DB_PASSWORD: ecs.Secret.fromSecretsManager(secret, 'password') });
      task.obtainExecutionRole().node.tryRemoveChild('DefaultPolicy');
      task.addToExecutionRolePolicy(
        new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: ['*'] }),
      );
    }, RULE);
    // THEN the secret is reported with the missing action
    expect(findings).toEqual([
      expect.objectContaining({
        path: 'Test/Task/Resource',
        location: 'Properties/ContainerDefinitions/0/Secrets/0/ValueFrom',
        description: expect.stringContaining('cannot read secret DB_PASSWORD (DbSecret'),
      }),
    ]);
  });

  test('a grant on another secret does not count', () => {
    // GIVEN an execution role that may read a different secret only
    const { findings } = checkStack((stack) => {
      const secret = new secretsmanager.Secret(stack, 'DbSecret');
      const other = new secretsmanager.Secret(stack, 'Other');
      const task = taskWithSecrets(stack, { DB_PASSWORD: ecs.Secret.fromSecretsManager(secret, 'password') });
      task.obtainExecutionRole().node.tryRemoveChild('DefaultPolicy');
      other.grantRead(task.obtainExecutionRole());
    }, RULE);
    // THEN the database secret is still reported
    expect(findings.map((f) => f.description)).toEqual([
      expect.stringContaining('missing secretsmanager:GetSecretValue'),
    ]);
  });

  test('secrets and parameters granted the way CDK grants them pass', () => {
    // GIVEN a Secrets Manager secret (by json key) and an SSM parameter, as ecs.Secret wires them
    const { findings } = checkStack((stack) => {
      const secret = new secretsmanager.Secret(stack, 'DbSecret');
      const parameter = ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'Param', {
        parameterName: '/app/token',
      });
      taskWithSecrets(stack, {
        DB_PASSWORD: ecs.Secret.fromSecretsManager(secret, 'password'),
        TOKEN: ecs.Secret.fromSsmParameter(parameter),
      });
    }, RULE);
    // THEN nothing is reported
    expect(findings).toEqual([]);
  });
});
