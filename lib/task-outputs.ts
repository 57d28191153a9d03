/**
 * The contract between the stack and `npm run task` (bin/task.ts): the output keys it reads and the
 * log stream prefix of the app container. Kept free of aws-cdk-lib so the tool starts fast.
 */

/** Output keys (logical ids of the stack's outputs) that describe how the service runs its tasks. */
export const TASK_OUTPUTS = {
  clusterName: 'ServiceClusterName',
  serviceName: 'ServiceName',
  taskDefinitionArn: 'ServiceTaskDefinitionArn',
  containerName: 'ServiceContainerName',
  subnetIds: 'ServiceSubnetIds',
  securityGroupId: 'ServiceSecurityGroupId',
  logGroupName: 'ServiceLogGroupName',
} as const;

/**
 * Prefix of the container's log streams. ECS names each stream `<prefix>/<container>/<task id>`
 * (https://docs.aws.amazon.com/prescriptive-guidance/latest/implementing-logging-monitoring-cloudwatch/ec2-fargate-logs.html),
 * which `npm run task` relies on to show a one-off task's log.
 */
export const APP_LOG_STREAM_PREFIX = 'app';
