/** Cache alarms (ElastiCache replication group, per member node) and their dashboard row. */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ObservabilityConfig } from '../config/schema';
import {
  AlarmFactory,
  FIVE_MINUTES,
  MISSING,
  NOT_BREACHING,
  ONE_MINUTE,
  ObservedLimits,
  aggregate,
  percentGraph,
  lineComparison,
} from './alarms';

/** What the alarms need from the cache tier (the `Cache` construct satisfies it). */
export interface ObservedCache {
  /** Replication group id (for descriptions and the dashboard). */
  readonly replicationGroupId: string;
  /**
   * The member cache clusters, one per node (`<group>-001`, or `<group>-0001-001` in cluster mode):
   * ElastiCache publishes its metrics per `CacheClusterId`.
   */
  readonly memberClusterIds: readonly string[];
}

/** Alarms on the cache nodes, created through `alarms`; returns the dashboard rows. */
export function cacheAlarms(
  alarms: AlarmFactory,
  config: ObservabilityConfig,
  cache: ObservedCache,
  limits: ObservedLimits,
): cloudwatch.IWidget[][] {
  const nodes = cache.memberClusterIds;
  if (nodes.length === 0) {
    throw new Error('observability: the cache has no member clusters to watch (memberClusterIds is empty)');
  }
  const nodeMetric = (clusterId: string, metricName: string, statistic: string, period: Duration) =>
    new cloudwatch.Metric({
      namespace: 'AWS/ElastiCache',
      metricName,
      dimensionsMap: { CacheClusterId: clusterId },
      statistic,
      period,
    });
  const group = cache.replicationGroupId;

  // Redis runs commands on one core per node: the busiest node is the one to watch, so alarm on
  // the maximum over the nodes (one alarm per 10 nodes, the metric-math limit).
  alarms.addChunkedAlarms('CacheEngineCpu', nodes, 1, (ids) => ({
    metric: aggregate(
      'MAX',
      ids,
      (id) => nodeMetric(id, 'EngineCPUUtilization', 'Average', FIVE_MINUTES),
      'Busiest node engine CPU (%)',
    ),
    threshold: config.cacheCpuPercent,
    comparison: lineComparison('cacheCpuPercent'),
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: MISSING,
    description:
      `Redis engine CPU on the busiest node of ${group} has stayed above ${config.cacheCpuPercent}% for 15 minutes ` +
      '(observability.cacheCpuPercent). Vertical: a larger cache.nodeType; reads: add replicas (cache.replicas) and read from the ' +
      'reader endpoint; writes or one hot node: Redis cluster mode (cache.clusterMode + cache.shards, chosen before going live).',
  }));

  alarms.addChunkedAlarms('CacheMemory', nodes, 1, (ids) => ({
    metric: aggregate(
      'MAX',
      ids,
      (id) => nodeMetric(id, 'DatabaseMemoryUsagePercentage', 'Average', FIVE_MINUTES),
      'Fullest node memory (%)',
    ),
    threshold: config.cacheMemoryPercent,
    comparison: lineComparison('cacheMemoryPercent'),
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: MISSING,
    description:
      `Redis memory on the fullest node of ${group} has stayed above ${config.cacheMemoryPercent}% of maxmemory for 15 minutes ` +
      `(observability.cacheMemoryPercent); with ${'`'}cache.maxmemoryPolicy${'`'} keys will be evicted. Set TTLs on cached values, ` +
      'then a larger cache.nodeType, or shard with cluster mode (cache.shards).',
  }));

  alarms.addChunkedAlarms('CacheEvictions', nodes, 1, (ids) => ({
    metric: aggregate(
      'SUM',
      ids,
      (id) => nodeMetric(id, 'Evictions', 'Sum', ONE_MINUTE),
      'Evictions / minute',
    ),
    threshold: config.cacheEvictionsPerMinute,
    comparison: lineComparison('cacheEvictionsPerMinute'),
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
    treatMissingData: NOT_BREACHING,
    description:
      `${group} evicted more than ${config.cacheEvictionsPerMinute} keys a minute in 3 of 5 minutes ` +
      '(observability.cacheEvictionsPerMinute): the cache is too small for its working set, so hit rate drops and load returns to ' +
      'the database. Larger cache.nodeType or more shards (cluster mode); shorter TTLs for rarely read keys.',
  }));

  // Hits and misses are two metrics per node, so 5 nodes per alarm.
  const minLookups = Math.max(1, config.cacheHitRateMinLookupsPerMinute * 5);
  const hitRate = (ids: readonly string[]) => {
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    ids.forEach((id, i) => {
      usingMetrics[`hits${i}`] = nodeMetric(id, 'CacheHits', 'Sum', FIVE_MINUTES);
      usingMetrics[`misses${i}`] = nodeMetric(id, 'CacheMisses', 'Sum', FIVE_MINUTES);
    });
    const hits = `SUM([${ids.map((_, i) => `hits${i}`).join(', ')}])`;
    const misses = `SUM([${ids.map((_, i) => `misses${i}`).join(', ')}])`;
    return new cloudwatch.MathExpression({
      // Below the minimum lookup count the rate is reported as 100%: a few cold keys do not page.
      expression: `IF((${hits} + ${misses}) >= ${minLookups}, 100 * ${hits} / (${hits} + ${misses}), 100)`,
      usingMetrics,
      period: FIVE_MINUTES,
      label: 'Hit rate (%)',
    });
  };
  alarms.addChunkedAlarms('CacheHitRate', nodes, 2, (ids) => ({
    metric: hitRate(ids),
    threshold: config.cacheHitRatePercent,
    comparison: lineComparison('cacheHitRatePercent'),
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: NOT_BREACHING,
    description:
      `The hit rate of ${group} has stayed below ${config.cacheHitRatePercent}% for 15 minutes, counted only above ` +
      `${config.cacheHitRateMinLookupsPerMinute} lookups/minute (observability.cacheHitRatePercent): reads miss the cache and go to ` +
      'the database. Cache more (the expensive, often-read queries), lengthen TTLs, warm the cache after deploys; if evictions ' +
      'are high too, the cache is too small (cache.nodeType).',
  }));

  if (limits.cacheReplicas > 0) {
    // Only replicas publish ReplicationLag and roles move on failover: the maximum over all nodes
    // follows whichever nodes are replicas right now.
    alarms.addChunkedAlarms('CacheReplicationLag', nodes, 1, (ids) => ({
      metric: aggregate(
        'MAX',
        ids,
        (id) => nodeMetric(id, 'ReplicationLag', 'Maximum', ONE_MINUTE),
        'Replication lag (s)',
      ),
      threshold: config.cacheReplicationLagSeconds,
      comparison: lineComparison('cacheReplicationLagSeconds'),
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: MISSING,
      description:
        `A Redis replica of ${group} has lagged its primary by more than ${config.cacheReplicationLagSeconds}s for 5 minutes ` +
        '(observability.cacheReplicationLagSeconds): reads from the reader endpoint may be stale and a failover may lose writes. ' +
        'Usually write pressure or network: a larger cache.nodeType, or spread writes with cluster mode (cache.shards).',
    }));
  }

  const perNode = (metricName: string, statistic: string) =>
    nodes.slice(0, 50).map((id) => nodeMetric(id, metricName, statistic, ONE_MINUTE).with({ label: id }));
  return [
    [
      // Graphs have no 10-metric limit: one line for the whole group (up to 100 nodes).
      percentGraph('Cache hit rate (%)', [hitRate(nodes.slice(0, 100))], config.cacheHitRatePercent),
      percentGraph(
        'Cache engine CPU per node (%)',
        perNode('EngineCPUUtilization', 'Average'),
        config.cacheCpuPercent,
      ),
      percentGraph(
        'Cache memory per node (%)',
        perNode('DatabaseMemoryUsagePercentage', 'Average'),
        config.cacheMemoryPercent,
      ),
    ],
  ];
}
