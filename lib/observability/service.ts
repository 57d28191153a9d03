/**
 * App-tier alarms (ALB + Fargate): response time, 5xx rate, unhealthy targets, service CPU and
 * memory, autoscaling exhausted, and their dashboard rows.
 */
import { Annotations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { ObservabilityConfig } from '../config/schema';
import { Service } from '../service';
import { hostCountMetric } from './target-hosts';
import {
  AlarmFactory,
  FIVE_MINUTES,
  GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  MISSING,
  NOT_BREACHING,
  ONE_MINUTE,
  ObservedLimits,
  percentGraph,
  lineComparison,
} from './alarms';

/**
 * Alarms on the app tier, created through `alarms`; returns the dashboard rows.
 *
 * Precondition: Container Insights is enabled on the cluster (the `Service` construct does this) for
 * the "autoscaling exhausted" alarm.
 */
export function serviceAlarms(
  alarms: AlarmFactory,
  config: ObservabilityConfig,
  tier: Service,
  limits: ObservedLimits,
): cloudwatch.IWidget[][] {
  const { loadBalancer, service, cluster } = tier;

  // Over the whole load balancer, not one target group: with a canary, linear or blue/green release
  // strategy the two target groups swap roles every release (service.deployment).
  const p = (statistic: string) => loadBalancer.metrics.targetResponseTime({ statistic, period: ONE_MINUTE });
  alarms.addAlarm('ResponseTimeP95', {
    metric: p('p95'),
    threshold: config.p95ResponseTimeSeconds,
    comparison: lineComparison('p95ResponseTimeSeconds'),
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    treatMissingData: NOT_BREACHING,
    description:
      `Target response time p95 has been above ${config.p95ResponseTimeSeconds}s for 5 of 5 minutes (observability.p95ResponseTimeSeconds). ` +
      'Find the slow tier before scaling: if service CPU is high and the task count is at its maximum, raise service.maxTasks or task size; ' +
      'if database CPU or latency is high, optimize the slow queries (slow-query log), cache the expensive reads, then add read replicas. ' +
      'The scaling advisor names the bottleneck.',
  });

  const requests = loadBalancer.metrics.requestCount({ statistic: 'Sum', period: ONE_MINUTE });
  const errorRate = new cloudwatch.MathExpression({
    // Below the minimum request count the rate is reported as 0: a few errors at night do not page.
    expression: `IF(requests >= ${Math.max(1, config.errorRateMinRequestsPerMinute)}, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)`,
    usingMetrics: {
      requests,
      target5xx: loadBalancer.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
        statistic: 'Sum',
        period: ONE_MINUTE,
      }),
      elb5xx: loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, {
        statistic: 'Sum',
        period: ONE_MINUTE,
      }),
    },
    period: ONE_MINUTE,
    label: '5xx rate (%)',
  });
  alarms.addAlarm('ErrorRate', {
    metric: errorRate,
    threshold: config.errorRatePercent,
    comparison: lineComparison('errorRatePercent'),
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    treatMissingData: NOT_BREACHING,
    description:
      `More than ${config.errorRatePercent}% of requests failed with 5xx (target + load balancer) in 3 of 5 minutes, counted only above ` +
      `${config.errorRateMinRequestsPerMinute} requests/minute (observability.errorRatePercent, errorRateMinRequestsPerMinute). ` +
      'Target 5xx: read the application logs (a bad deploy rolls back through the circuit breaker). Load balancer 5xx (502/503/504): ' +
      'tasks are failing health checks or saturated - check the unhealthy-targets and CPU alarms and scale out (service.maxTasks).',
  });

  alarms.addAlarm('UnhealthyTargets', {
    // Every target group that can carry traffic: after a canary, linear or blue/green release the
    // alternate group serves until the next release.
    metric: hostCountMetric(tier, 'unhealthy', ONE_MINUTE),
    threshold: 1,
    comparison: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    treatMissingData: NOT_BREACHING,
    description:
      'At least one task has failed load balancer health checks for 5 minutes. Check the task logs and the health check path ' +
      '(service.healthCheck); overloaded tasks fail health checks too, so check CPU/memory and raise service.maxTasks or task size.',
  });

  const cpu = service.metricCpuUtilization({ statistic: 'Average', period: FIVE_MINUTES });
  alarms.addAlarm('ServiceCpu', {
    metric: cpu,
    threshold: config.serviceCpuPercent,
    comparison: lineComparison('serviceCpuPercent'),
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: MISSING,
    description:
      `Average service CPU has stayed above ${config.serviceCpuPercent}% for 15 minutes (observability.serviceCpuPercent) although step ` +
      'scaling adds tasks at service.scaling.scaleOutCpuPercent: autoscaling is not keeping up. Horizontal: raise service.maxTasks or ' +
      'the scale-out step; vertical: a larger service.cpu. If the service is already at its maximum, see AutoscalingExhausted.',
  });

  const memory = service.metricMemoryUtilization({ statistic: 'Average', period: FIVE_MINUTES });
  alarms.addAlarm('ServiceMemory', {
    metric: memory,
    threshold: config.serviceMemoryPercent,
    comparison: lineComparison('serviceMemoryPercent'),
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: MISSING,
    description:
      `Average service memory has stayed above ${config.serviceMemoryPercent}% for 15 minutes (observability.serviceMemoryPercent). ` +
      'Autoscaling follows CPU, not memory, so more tasks may not help: scale tasks vertically (service.memoryMiB), ' +
      'or look for a leak or in-process state that belongs in Redis.',
  });

  const runningTasks = new cloudwatch.Metric({
    namespace: 'ECS/ContainerInsights',
    metricName: 'RunningTaskCount',
    dimensionsMap: { ClusterName: cluster.clusterName, ServiceName: service.serviceName },
    statistic: 'Minimum',
    period: ONE_MINUTE,
  });
  if (limits.maxTasks > limits.minTasks) {
    alarms.addAlarm('AutoscalingExhausted', {
      metric: runningTasks,
      threshold: limits.maxTasks,
      comparison: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 15,
      datapointsToAlarm: 15,
      treatMissingData: MISSING,
      description:
        `The service has run at its maximum of ${limits.maxTasks} tasks for 15 minutes (service.maxTasks): autoscaling is exhausted. ` +
        'Horizontal: raise service.maxTasks (check the database connection headroom first, every task opens connections); ' +
        'vertical: larger tasks (service.cpu / service.memoryMiB). If the database is the bottleneck, more tasks will not help.',
    });
  } else {
    Annotations.of(alarms.scope).addInfo(
      `service.minTasks equals service.maxTasks (${limits.maxTasks}): autoscaling cannot scale, so no "autoscaling exhausted" alarm.`,
    );
  }

  return [
    [
      new cloudwatch.GraphWidget({
        title: 'Requests / minute',
        left: [requests.with({ label: 'Requests' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Target response time (s)',
        left: ['p50', 'p95', 'p99'].map((stat) => p(stat).with({ label: stat })),
        leftAnnotations: [{ value: config.p95ResponseTimeSeconds, label: 'p95 alarm' }],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: '5xx rate (%)',
        left: [errorRate],
        leftAnnotations: [{ value: config.errorRatePercent, label: 'alarm' }],
        width: 8,
      }),
    ],
    [
      new cloudwatch.GraphWidget({
        title: 'Running tasks (min / max)',
        left: [runningTasks.with({ statistic: 'Average', label: 'Running tasks' })],
        leftAnnotations: [
          { value: limits.minTasks, label: 'minTasks', color: cloudwatch.Color.GREEN },
          { value: limits.maxTasks, label: 'maxTasks', color: cloudwatch.Color.RED },
        ],
        leftYAxis: { min: 0 },
        width: 8,
      }),
      percentGraph(
        'Service CPU / memory (%)',
        [
          cpu.with({ label: 'CPU', period: ONE_MINUTE }),
          memory.with({ label: 'Memory', period: ONE_MINUTE }),
        ],
        config.serviceCpuPercent,
      ),
      new cloudwatch.GraphWidget({
        title: 'Healthy / unhealthy targets',
        left: [
          hostCountMetric(tier, 'healthy', ONE_MINUTE, 'Healthy'),
          hostCountMetric(tier, 'unhealthy', ONE_MINUTE, 'Unhealthy'),
        ],
        width: 8,
      }),
    ],
  ];
}
