import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { Service } from '../service';

/**
 * Healthy and unhealthy target counts of the service over every target group that can carry its
 * traffic: the first group alone with the `rolling` strategy, the first and the alternate group with
 * `canary`, `linear` and `blueGreen`, which swap the groups' roles at every release (the idle group
 * has no registered targets and adds nothing).
 *
 * The sums are metric math: CloudWatch publishes HealthyHostCount and UnHealthyHostCount per target
 * group (dimensions TargetGroup+LoadBalancer, or with AvailabilityZone), never per load balancer alone
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
 */
export function serviceTargetGroups(tier: Service): elbv2.ApplicationTargetGroup[] {
  return tier.release ? [tier.targetGroup, tier.release.alternateTargetGroup] : [tier.targetGroup];
}

export type HostCount = 'healthy' | 'unhealthy';

/**
 * The healthy (per-group `Minimum`) or unhealthy (per-group `Maximum`) target count summed over
 * {@link serviceTargetGroups}, per `period`. A group without a datapoint in a period counts 0.
 * With one target group it is the group's own metric, no math.
 */
export function hostCountMetric(
  tier: Service,
  count: HostCount,
  period: Duration,
  label?: string,
): cloudwatch.IMetric {
  const groups = serviceTargetGroups(tier);
  const metricOf = (tg: elbv2.ApplicationTargetGroup) =>
    count === 'healthy'
      ? tg.metrics.healthyHostCount({ statistic: 'Minimum', period })
      : tg.metrics.unhealthyHostCount({ statistic: 'Maximum', period });
  if (groups.length === 1) return metricOf(groups[0]).with({ ...(label ? { label } : {}) });
  const ids = groups.map((_, i) => `${count}${i}`);
  return new cloudwatch.MathExpression({
    expression: ids.map((id) => `FILL(${id}, 0)`).join(' + '),
    usingMetrics: Object.fromEntries(groups.map((tg, i) => [ids[i], metricOf(tg)])),
    period,
    ...(label ? { label } : {}),
  });
}
