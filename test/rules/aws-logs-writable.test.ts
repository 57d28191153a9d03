import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Stack } from 'aws-cdk-lib';
import { awsLogsWritable } from '../../lib/rules/aws-logs-writable';
import { checkStack } from './check';

const RULE = awsLogsWritable.id;

function loggingTask(stack: Stack): ecs.FargateTaskDefinition {
  const task = new ecs.FargateTaskDefinition(stack, 'Task');
  task.addContainer('App', {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    logging: ecs.LogDrivers.awsLogs({ logGroup: new logs.LogGroup(stack, 'Logs'), streamPrefix: 'app' }),
  });
  return task;
}

describe('AwsLogsWritable', () => {
  test('a container whose execution role may not write its log group is reported', () => {
    // GIVEN the awslogs driver with the execution role's write grant removed
    const { findings } = checkStack((stack) => {
      loggingTask(stack).obtainExecutionRole().node.tryRemoveChild('DefaultPolicy');
    }, RULE);
    // THEN the container's log configuration is reported with what is missing
    expect(findings).toEqual([
      expect.objectContaining({
        path: 'Test/Task/Resource',
        location: 'Properties/ContainerDefinitions/0/LogConfiguration',
        description: expect.stringContaining('missing logs:CreateLogStream, logs:PutLogEvents'),
      }),
    ]);
  });

  test('a grant on another log group does not count', () => {
    // GIVEN a role that may write only to /other
    const { findings } = checkStack((stack) => {
      const role = loggingTask(stack).obtainExecutionRole();
      role.node.tryRemoveChild('DefaultPolicy');
      new iam.Policy(stack, 'Other', {
        roles: [role],
        statements: [
          new iam.PolicyStatement({
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: ['arn:aws:logs:eu-west-1:123456789012:log-group:/other:*'],
          }),
        ],
      });
    }, RULE);
    // THEN the container is still reported
    expect(findings).toHaveLength(1);
  });

  test('the grant CDK adds for awslogs passes', () => {
    // GIVEN the awslogs driver as CDK wires it
    const { findings } = checkStack((stack) => void loggingTask(stack), RULE);
    // THEN nothing is reported
    expect(findings).toEqual([]);
  });
});
