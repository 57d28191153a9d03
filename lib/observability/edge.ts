/** Edge alarms: AWS WAF in front of the load balancer (blocked requests) and its dashboard row. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ObservabilityConfig } from '../config/schema';
import { AlarmFactory, GREATER_THAN_THRESHOLD, NOT_BREACHING } from './alarms';

/** What the alarms need from the edge tier (the `EdgeFirewall` construct satisfies it). */
export interface ObservedFirewall {
  /** The web ACL's metric name (the `WebACL` dimension). */
  readonly metricName: string;
  /** A web-ACL-wide request count of AWS/WAFV2 (Sum per minute). */
  metric(metricName: 'BlockedRequests' | 'AllowedRequests'): cloudwatch.Metric;
}

/** Alarms on the web ACL in front of the load balancer, created through `alarms`; returns the dashboard rows. */
export function edgeAlarms(
  alarms: AlarmFactory,
  config: ObservabilityConfig,
  firewall: ObservedFirewall,
): cloudwatch.IWidget[][] {
  // WAF publishes counts only for minutes with requests: a quiet minute is no block at all.
  const blocked = firewall.metric('BlockedRequests');
  alarms.addAlarm('WafBlockedRequests', {
    metric: blocked,
    threshold: config.wafBlockedRequestsPerMinute,
    comparison: GREATER_THAN_THRESHOLD,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    treatMissingData: NOT_BREACHING,
    description:
      `AWS WAF (web ACL ${firewall.metricName}) blocked more than ${config.wafBlockedRequestsPerMinute} requests a minute in 3 of 5 minutes ` +
      '(observability.wafBlockedRequestsPerMinute). Find the rule and the clients in the WAF log group (aws-waf-logs-*, field ' +
      'terminatingRuleId): one IP over the rate limit is a flood or a runaway client (service.waf.rateLimitPer5Minutes); a managed ' +
      'rule blocking your own clients after a deploy is a false positive (drop or tune that group in service.waf.managedRuleGroups). ' +
      'Blocked requests never reach the tasks, so do not scale for them.',
  });
  return [
    [
      new cloudwatch.GraphWidget({
        title: 'AWS WAF requests / minute',
        left: [
          firewall.metric('AllowedRequests').with({ label: 'Allowed' }),
          blocked.with({ label: 'Blocked' }),
        ],
        leftAnnotations: [{ value: config.wafBlockedRequestsPerMinute, label: 'blocked alarm' }],
        leftYAxis: { min: 0 },
        width: 24,
      }),
    ],
  ];
}
