import type { MetricSeries } from '../../../lambda/scaling-advisor/analysis';
import { ids } from '../../../lambda/scaling-advisor/queries';
import { AdvisorTargets } from '../../../lambda/scaling-advisor/targets';

/**
 * Metric fixtures for the advisor tests: a prod-like stack and one healthy hour of metrics that each
 * test bends into the situation it needs.
 */

/** Start of the fixture window (the handler tests run at T0 + 60 min). */
export const T0 = Date.UTC(2026, 10, 30, 4, 0, 0);
export const MINUTES = 60;

export function makeTargets(overrides: Partial<AdvisorTargets> = {}): AdvisorTargets {
  return {
    stackName: 'ScalableBackend-prod',
    namespace: 'ScalableBackend/Advisor',
    windowMinutes: MINUTES,
    loadBalancerFullName: 'app/Scala-Servi-ABC/0123456789abcdef',
    targetGroupFullName: 'targetgroup/Scala-Servi-DEF/fedcba9876543210',
    clusterName: 'ScalableBackend-prod-Cluster',
    serviceName: 'ScalableBackend-prod-Service',
    minTasks: 2,
    maxTasks: 10,
    dbInstanceId: 'sb-prod-primary',
    replicaInstanceIds: ['sb-prod-replica-1', 'sb-prod-replica-2'],
    proxyName: 'sb-prod-proxy',
    cacheReplicationGroupId: 'sb-prod-cache',
    cacheClusterIds: ['sb-prod-cache-001', 'sb-prod-cache-002'],
    topicArn: 'arn:aws:sns:eu-west-1:123456789012:sb-prod-alarms',
    thresholds: {
      p95ResponseTimeSeconds: 1,
      errorRatePercent: 1,
      errorRateMinRequestsPerMinute: 100,
      serviceCpuPercent: 85,
      serviceMemoryPercent: 85,
      scaleOutCpuPercent: 70,
      scaleInCpuPercent: 30,
      dbCpuPercent: 80,
      dbFreeableMemoryMiB: 1024,
      dbConnectionsPercent: 80,
      dbLatencyMs: 20,
      replicaLagSeconds: 30,
      cacheCpuPercent: 80,
      cacheMemoryPercent: 80,
      cacheEvictionsPerMinute: 100,
      cacheHitRatePercent: 80,
      cacheHitRateMinLookupsPerMinute: 100,
      cacheReplicationLagSeconds: 5,
    },
    ...overrides,
  };
}

/** A copy of `targets` without `key` (for optional and missing fields). */
export function without(targets: AdvisorTargets, key: keyof AdvisorTargets): AdvisorTargets {
  const copy: Record<string, unknown> = { ...targets };
  delete copy[key];
  return copy as unknown as AdvisorTargets;
}

/** `n` datapoints of one value. */
export const flat = (value: number, n = MINUTES): number[] => Array.from({ length: n }, () => value);

/** `high` for the first `minutes` datapoints, `low` for the rest. */
export const spike = (high: number, low: number, minutes: number, n = MINUTES): number[] =>
  Array.from({ length: n }, (_, i) => (i < minutes ? high : low));

/** A series on the fixture's minute grid; `null` leaves a gap (CloudWatch returns no datapoint). */
export function series(id: string, values: readonly (number | null)[], status = 'Complete'): MetricSeries {
  const timestamps: number[] = [];
  const kept: number[] = [];
  values.forEach((v, i) => {
    if (v === null) return;
    timestamps.push(T0 + i * 60_000);
    kept.push(v);
  });
  return { id, timestamps, values: kept, status };
}

export type Fixture = Record<string, MetricSeries>;

/** Set (or replace) one series of a fixture. */
export function set(fixture: Fixture, id: string, values: readonly (number | null)[], status?: string): void {
  fixture[id] = series(id, values, status);
}

/**
 * One healthy hour: 1000 requests/min at p95 0.2 s, 3 tasks at 45% CPU, a primary at 30% CPU and
 * 2-3 ms latency, replicas 0.5 s behind, the proxy pool at 10%, the cache at a 90% hit rate.
 */
export function healthyFixture(targets: AdvisorTargets = makeTargets()): Fixture {
  const f: Fixture = {};
  set(f, ids.requests, flat(1000));
  set(f, ids.p95ResponseTime, flat(0.2));
  set(f, ids.target5xx, flat(1));
  set(f, ids.elb5xx, flat(0));
  set(f, ids.unhealthyHosts, flat(0));
  set(f, ids.healthyHosts, flat(3));
  set(f, ids.appCpu, flat(45));
  set(f, ids.appMemory, flat(40));
  set(f, ids.appTasks, flat(3));
  set(f, ids.dbCpu, flat(30));
  set(f, ids.dbConnections, flat(40));
  set(f, ids.dbReadLatency, flat(0.002));
  set(f, ids.dbWriteLatency, flat(0.003));
  set(f, ids.dbReadIops, flat(100));
  set(f, ids.dbWriteIops, flat(50));
  set(f, ids.dbFreeableMemory, flat(4 * 1024 ** 3));
  targets.replicaInstanceIds.forEach((_, i) => {
    set(f, ids.replicaLag(i), flat(0.5));
    set(f, ids.replicaCpu(i), flat(20));
  });
  set(f, ids.proxyClientConnections, flat(200));
  set(f, ids.proxyDbConnections, flat(40));
  set(f, ids.proxyBorrowedConnections, flat(10));
  set(f, ids.proxyMaxConnections, flat(400));
  set(f, ids.proxyQueryLatency, flat(3000));
  set(f, ids.proxyBorrowLatency, flat(100));
  targets.cacheClusterIds.forEach((_, i) => {
    set(f, ids.cacheCpu(i), flat(10));
    set(f, ids.cacheMemory(i), flat(30));
    set(f, ids.cacheEvictions(i), flat(0));
    set(f, ids.cacheHits(i), flat(900));
    set(f, ids.cacheMisses(i), flat(100));
    // Replica nodes only publish ReplicationLag.
    if (i > 0) set(f, ids.cacheReplicationLag(i), flat(0.01));
  });
  return f;
}
