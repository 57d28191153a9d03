import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Stack } from 'aws-cdk-lib';
import { containerInsightsForAlarms } from '../../lib/rules/container-insights-for-alarms';
import { checkStack } from './check';

const RULE = containerInsightsForAlarms.id;

function runningTasksAlarm(stack: Stack, insights: ecs.ContainerInsights): void {
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'] });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, containerInsightsV2: insights });
  new cloudwatch.Alarm(stack, 'RunningTasks', {
    metric: new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: { ClusterName: cluster.clusterName, ServiceName: 'app' },
    }),
    threshold: 1,
    evaluationPeriods: 1,
  });
}

describe('ContainerInsightsForAlarms', () => {
  test('an alarm on Container Insights of a cluster without it is reported', () => {
    // GIVEN a cluster with Container Insights disabled and an alarm on one of its metrics
    const { findings } = checkStack(
      (stack) => runningTasksAlarm(stack, ecs.ContainerInsights.DISABLED),
      RULE,
    );
    // THEN the alarm's cluster dimension is reported
    expect(findings).toEqual([
      expect.objectContaining({
        path: 'Test/RunningTasks/Resource',
        location: 'Properties/Dimensions/0/Value',
      }),
    ]);
  });

  test('the same alarm on a cluster with Container Insights enabled passes', () => {
    // GIVEN Container Insights enabled on the cluster
    const { findings } = checkStack((stack) => runningTasksAlarm(stack, ecs.ContainerInsights.ENABLED), RULE);
    // THEN nothing is reported
    expect(findings).toEqual([]);
  });
});
