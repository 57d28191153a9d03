import { crosses } from '../lines';
import { ids } from '../queries';
import type { AdvisorTargets } from '../targets';
import { MIN_DATAPOINTS, round, SeriesReader, Signal, sum, sustained } from './series';

/** Traffic and symptoms, from the load balancer (and AWS WAF when the service has a web ACL). */

export interface Traffic {
  /** Requests in the window (missing minutes count as zero: the ALB publishes non-zero counts only). */
  readonly requests?: number;
  readonly requestsPerMinute?: number;
  /** Sustained p95 target response time (seconds). */
  readonly p95Seconds?: number;
  /** (target 5xx + ELB 5xx) / requests, when traffic is above the judging floor (%). */
  readonly errorRatePercent?: number;
  /** Requests AWS WAF blocked in the window (not counted in `requests`); absent without a web ACL. */
  readonly blockedRequests?: number;
}

function targetGroupNames(targets: AdvisorTargets): string {
  return [targets.targetGroupFullName, targets.alternateTargetGroupFullName].filter(Boolean).join(' + ');
}

/**
 * A host count summed over the service's target groups, minute by minute: the first group alone,
 * or with the alternate one of a canary, linear or blue/green service, whose groups swap roles every
 * release (the idle group has no targets). A minute counts when either group reported it.
 */
function hostCount(
  r: SeriesReader,
  targets: AdvisorTargets,
  metric: 'HealthyHostCount' | 'UnHealthyHostCount',
): Signal {
  const healthy = metric === 'HealthyHostCount';
  const first = r.optional(
    healthy ? ids.healthyHosts : ids.unhealthyHosts,
    `${metric} of ${targets.targetGroupFullName}`,
  );
  if (!targets.alternateTargetGroupFullName) return first;
  const alternate = r.optional(
    healthy ? ids.healthyHostsAlternate : ids.unhealthyHostsAlternate,
    `${metric} of ${targets.alternateTargetGroupFullName}`,
  );
  const sums = new Map<number, number>();
  for (const s of [first, alternate]) {
    s.timestamps.forEach((t, i) => sums.set(t, (sums.get(t) ?? 0) + s.values[i]));
  }
  const timestamps = [...sums.keys()].sort((a, b) => a - b);
  return {
    name: `${metric} of ${targetGroupNames(targets)}`,
    timestamps,
    values: timestamps.map((t) => sums.get(t)!),
    enough: timestamps.length >= r.minDatapoints,
  };
}

export function assessTraffic(r: SeriesReader, targets: AdvisorTargets) {
  const t = targets.thresholds;
  const unhealthy = hostCount(r, targets, 'UnHealthyHostCount');
  const healthy = hostCount(r, targets, 'HealthyHostCount');
  const reporting = unhealthy.enough || healthy.enough;
  if (!reporting) {
    r.markMissing(
      `HealthyHostCount/UnHealthyHostCount of ${targetGroupNames(targets)} (${Math.max(healthy.values.length, unhealthy.values.length)} of ${r.expected} datapoints)`,
    );
  }
  const requests = appRequests(r, targets);
  const target5xx = r.count(ids.target5xx, 'HTTPCode_Target_5XX_Count');
  const elb5xx = r.count(ids.elb5xx, 'HTTPCode_ELB_5XX_Count');
  const p95 = r.optional(ids.p95ResponseTime, 'TargetResponseTime p95');

  const symptoms: string[] = [];
  const traffic: { -readonly [K in keyof Traffic]: Traffic[K] } = {};
  let zeroTraffic = false;
  if (reporting) {
    if (requests.blocked !== undefined) traffic.blockedRequests = requests.blocked;
    const total = sum(requests.values);
    traffic.requests = total;
    traffic.requestsPerMinute = Number(round(total / targets.windowMinutes, 2));
    zeroTraffic = total === 0;
    if (traffic.requestsPerMinute >= t.errorRateMinRequestsPerMinute && total > 0) {
      traffic.errorRatePercent = Number(
        round((100 * (sum(target5xx.values) + sum(elb5xx.values))) / total, 2),
      );
      if (crosses(traffic.errorRatePercent, t, 'errorRatePercent')) {
        symptoms.push(`Symptom: 5xx rate ${traffic.errorRatePercent}% is above ${t.errorRatePercent}%.`);
      }
    }
    if (unhealthy.enough && sustained(unhealthy) > 0) {
      symptoms.push(
        `Symptom: ${round(sustained(unhealthy), 0)} unhealthy target(s) for at least a quarter of the window.`,
      );
    }
  }
  // p95 exists only for minutes with requests; with fewer than MIN_DATAPOINTS busy minutes it says nothing.
  if (p95.values.length >= MIN_DATAPOINTS) {
    traffic.p95Seconds = Number(round(sustained(p95), 3));
    if (crosses(traffic.p95Seconds, t, 'p95ResponseTimeSeconds')) {
      symptoms.push(
        `Symptom: p95 response time ${traffic.p95Seconds} s is above the ${t.p95ResponseTimeSeconds} s target.`,
      );
    }
  }
  return { traffic: traffic as Traffic, symptoms, zeroTraffic };
}

/**
 * Requests that reached the app, per minute. Without a web ACL: the ALB's RequestCount. With one,
 * requests AWS WAF blocked are not app load, and the ALB documentation does not say whether its
 * RequestCount includes them (it counts "requests where the load balancer node was able to choose a
 * target"; a blocked request gets a 403 from the load balancer and never reaches one). WAF's own
 * AllowedRequests counts exactly what it let through, so the app's share of a minute is
 * min(RequestCount, AllowedRequests): right whether or not RequestCount includes the blocked ones.
 * Sources: ELB user guide, "CloudWatch metrics for your Application Load Balancer" (RequestCount);
 * WAF developer guide, "AWS WAF metrics and dimensions" (AllowedRequests, BlockedRequests).
 */
function appRequests(r: SeriesReader, targets: AdvisorTargets): Signal & { blocked?: number } {
  const alb = r.count(ids.requests, 'RequestCount');
  if (!targets.webAcl) return alb;
  const allowed = r.count(ids.wafAllowed, `AllowedRequests of web ACL ${targets.webAcl.metricName}`);
  const blocked = sum(
    r.count(ids.wafBlocked, `BlockedRequests of web ACL ${targets.webAcl.metricName}`).values,
  );
  if (allowed.values.length === 0 && sum(alb.values) > 0) {
    // WAF reports nothing although the ALB served requests: its metrics are off or misnamed. Count
    // the ALB's requests rather than claim there was no traffic.
    r.note(
      `AllowedRequests of web ACL ${targets.webAcl.metricName}: no data while the load balancer counted requests; ` +
        'traffic is RequestCount as reported (it may include requests WAF blocked).',
    );
    return { ...alb, blocked };
  }
  const allowedAt = new Map<number, number>();
  allowed.timestamps.forEach((ts, i) => allowedAt.set(ts, allowed.values[i]));
  // A minute WAF did not report is a minute it allowed nothing (counts are published when non-zero).
  const values = alb.values.map((v, i) => Math.min(v, allowedAt.get(alb.timestamps[i]) ?? 0));
  return { ...alb, values, blocked };
}
