/**
 * Every alarm of the dev and prod presets, one assertion each (metric, rule, actions), the
 * metric-math alarms (5xx rate, proxy pool, cache aggregates, hit rate) and the alarm count.
 */
import { PRESETS } from '../../lib/config/presets';
import { ObservabilityConfig } from '../../lib/config/schema';
import { resourcesOf, stackName } from '../helpers';
import { ENVS, Env, alarm, cacheNodes, expectedAlarmCount, mathOf, templates, topicRef } from './helpers';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/**
 * max_connections = LEAST(memory / 9531392, 5000), worked out by hand for the preset classes:
 * t4g.micro 1 GiB -> 112, r7g.large 16 GiB -> 1802; the alarm fires at dbConnectionsPercent (80%).
 */
const DB_CONNECTION_ALARM: Record<Env, number> = { dev: 89, prod: 1441 };

interface Rule {
  readonly threshold: number;
  readonly comparison: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold';
  readonly evaluationPeriods: number;
  readonly datapoints: number;
  readonly missing: 'notBreaching' | 'missing';
}
interface SingleMetricAlarm extends Rule {
  readonly id: string;
  readonly metricName: string;
  readonly namespace: string;
  readonly statistic: string;
  readonly period: number;
  /** Dimension names the metric must carry. */
  readonly dimensions: string[];
}

/** One row per single-metric alarm: what the issue asks for, from the preset's config. */
function singleMetricAlarms(env: Env): SingleMetricAlarm[] {
  const c = PRESETS[env];
  const o = c.observability;
  const rdsInstance = ['DBInstanceIdentifier'];
  const rows: SingleMetricAlarm[] = [
    // p95 above the target for 5 of 5 minutes
    {
      id: 'ResponseTimeP95',
      metricName: 'TargetResponseTime',
      namespace: 'AWS/ApplicationELB',
      statistic: 'p95',
      period: 60,
      // the whole load balancer: release strategies swap the two target groups
      dimensions: ['LoadBalancer'],
      threshold: o.p95ResponseTimeSeconds,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 5,
      datapoints: 5,
      missing: 'notBreaching',
    },
    // UnhealthyTargets: test/observability/target-hosts.test.ts (one group in dev, both in prod)
    {
      id: 'ServiceCpu',
      metricName: 'CPUUtilization',
      namespace: 'AWS/ECS',
      statistic: 'Average',
      period: 300,
      dimensions: ['ClusterName', 'ServiceName'],
      threshold: o.serviceCpuPercent,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 3,
      datapoints: 3,
      missing: 'missing',
    },
    {
      id: 'ServiceMemory',
      metricName: 'MemoryUtilization',
      namespace: 'AWS/ECS',
      statistic: 'Average',
      period: 300,
      dimensions: ['ClusterName', 'ServiceName'],
      threshold: o.serviceMemoryPercent,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 3,
      datapoints: 3,
      missing: 'missing',
    },
    // at the maximum task count for 15 minutes
    {
      id: 'AutoscalingExhausted',
      metricName: 'RunningTaskCount',
      namespace: 'ECS/ContainerInsights',
      statistic: 'Minimum',
      period: 60,
      dimensions: ['ClusterName', 'ServiceName'],
      threshold: c.service.maxTasks,
      comparison: 'GreaterThanOrEqualToThreshold',
      evaluationPeriods: 15,
      datapoints: 15,
      missing: 'missing',
    },
    {
      id: 'DbCpu',
      metricName: 'CPUUtilization',
      namespace: 'AWS/RDS',
      statistic: 'Average',
      period: 300,
      dimensions: rdsInstance,
      threshold: o.dbCpuPercent,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 3,
      datapoints: 3,
      missing: 'missing',
    },
    {
      id: 'DbFreeableMemory',
      metricName: 'FreeableMemory',
      namespace: 'AWS/RDS',
      statistic: 'Average',
      period: 300,
      dimensions: rdsInstance,
      threshold: o.dbFreeableMemoryMiB * MIB,
      comparison: 'LessThanThreshold',
      evaluationPeriods: 3,
      datapoints: 3,
      missing: 'missing',
    },
    {
      id: 'DbFreeStorage',
      metricName: 'FreeStorageSpace',
      namespace: 'AWS/RDS',
      statistic: 'Minimum',
      period: 300,
      dimensions: rdsInstance,
      threshold: o.dbFreeStorageGiB * GIB,
      comparison: 'LessThanThreshold',
      evaluationPeriods: 2,
      datapoints: 2,
      missing: 'missing',
    },
    {
      id: 'DbConnections',
      metricName: 'DatabaseConnections',
      namespace: 'AWS/RDS',
      statistic: 'Maximum',
      period: 60,
      dimensions: rdsInstance,
      threshold: DB_CONNECTION_ALARM[env],
      comparison: 'GreaterThanOrEqualToThreshold',
      evaluationPeriods: 5,
      datapoints: 5,
      missing: 'missing',
    },
    // RDS reports latency in seconds; the config is in milliseconds
    {
      id: 'DbReadLatency',
      metricName: 'ReadLatency',
      namespace: 'AWS/RDS',
      statistic: 'Average',
      period: 60,
      dimensions: rdsInstance,
      threshold: o.dbLatencyMs / 1000,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 5,
      datapoints: 5,
      missing: 'missing',
    },
    {
      id: 'DbWriteLatency',
      metricName: 'WriteLatency',
      namespace: 'AWS/RDS',
      statistic: 'Average',
      period: 60,
      dimensions: rdsInstance,
      threshold: o.dbLatencyMs / 1000,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 5,
      datapoints: 5,
      missing: 'missing',
    },
    // RDS Proxy reports latency in microseconds
    {
      id: 'ProxyQueryLatency',
      metricName: 'QueryResponseLatency',
      namespace: 'AWS/RDS',
      statistic: 'Average',
      period: 60,
      dimensions: ['ProxyName'],
      threshold: o.dbLatencyMs * 1000,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 5,
      datapoints: 5,
      missing: 'notBreaching',
    },
  ];
  for (let n = 1; n <= c.database.readReplicas; n++) {
    rows.push(
      {
        id: `Replica${n}Lag`,
        metricName: 'ReplicaLag',
        namespace: 'AWS/RDS',
        statistic: 'Maximum',
        period: 60,
        dimensions: rdsInstance,
        threshold: o.replicaLagSeconds,
        comparison: 'GreaterThanThreshold',
        evaluationPeriods: 5,
        datapoints: 5,
        missing: 'missing',
      },
      {
        id: `Replica${n}Cpu`,
        metricName: 'CPUUtilization',
        namespace: 'AWS/RDS',
        statistic: 'Average',
        period: 300,
        dimensions: rdsInstance,
        threshold: o.dbCpuPercent,
        comparison: 'GreaterThanThreshold',
        evaluationPeriods: 3,
        datapoints: 3,
        missing: 'missing',
      },
    );
  }
  return rows;
}

describe('alarms: one assertion per alarm', () => {
  const rows = ENVS.flatMap((env) => singleMetricAlarms(env).map((row) => [env, row.id, row] as const));

  test.each(rows)('%s: %s', (env, _id, row) => {
    // WHEN the alarm is looked up by its name
    const props = alarm(env, row.id);
    // THEN metric, statistic, period, threshold, comparison, datapoints and missing-data policy are as specified
    expect(props).toMatchObject({
      MetricName: row.metricName,
      Namespace: row.namespace,
      Period: row.period,
      Threshold: row.threshold,
      ComparisonOperator: row.comparison,
      EvaluationPeriods: row.evaluationPeriods,
      DatapointsToAlarm: row.datapoints,
      TreatMissingData: row.missing,
    });
    expect(props.ExtendedStatistic ?? props.Statistic).toBe(row.statistic);
    expect((props.Dimensions as { Name: string }[]).map((d) => d.Name).sort()).toEqual(
      [...row.dimensions].sort(),
    );
    // AND it notifies the one topic on ALARM and on OK
    expect(props.AlarmActions).toEqual([topicRef(templates[env])]);
    expect(props.OKActions).toEqual([topicRef(templates[env])]);
    // AND its description says what to do
    expect(String(props.AlarmDescription).length).toBeGreaterThan(80);
  });

  test.each(ENVS)(
    '%s: 5xx rate = (target 5xx + ELB 5xx) / requests, guarded by the minimum request count',
    (env) => {
      const o = PRESETS[env].observability;
      const props = alarm(env, 'ErrorRate');
      const { expression, metrics } = mathOf(props);
      expect(expression).toBe(
        `IF(requests >= ${o.errorRateMinRequestsPerMinute}, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)`,
      );
      expect(metrics).toMatchObject({
        requests: { MetricName: 'RequestCount', Namespace: 'AWS/ApplicationELB', Stat: 'Sum', Period: 60 },
        target5xx: {
          MetricName: 'HTTPCode_Target_5XX_Count',
          Namespace: 'AWS/ApplicationELB',
          Stat: 'Sum',
          Period: 60,
        },
        elb5xx: {
          MetricName: 'HTTPCode_ELB_5XX_Count',
          Namespace: 'AWS/ApplicationELB',
          Stat: 'Sum',
          Period: 60,
        },
      });
      expect(props).toMatchObject({
        Threshold: o.errorRatePercent,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
        TreatMissingData: 'notBreaching',
        AlarmActions: [topicRef(templates[env])],
        OKActions: [topicRef(templates[env])],
      });
    },
  );

  test.each(ENVS)('%s: proxy connections = share of the pool the proxy may open', (env) => {
    const props = alarm(env, 'ProxyConnections');
    const { expression, metrics } = mathOf(props);
    expect(expression).toBe('100 * pool / ceiling');
    expect(metrics).toMatchObject({
      pool: { MetricName: 'DatabaseConnections', Namespace: 'AWS/RDS', Stat: 'Sum', Period: 60 },
      ceiling: { MetricName: 'MaxDatabaseConnectionsAllowed', Namespace: 'AWS/RDS', Stat: 'Sum', Period: 60 },
    });
    expect((metrics.pool.Dimensions as { Name: string }[]).map((d) => d.Name)).toEqual(['ProxyName']);
    expect(props).toMatchObject({
      Threshold: PRESETS[env].observability.dbConnectionsPercent,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef(templates[env])],
      OKActions: [topicRef(templates[env])],
    });
  });

  /** Cache alarms aggregate the member clusters (one CacheClusterId per node). */
  const cacheRows = (o: ObservabilityConfig) => [
    {
      id: 'CacheEngineCpu',
      fn: 'MAX',
      metricName: 'EngineCPUUtilization',
      stat: 'Average',
      period: 300,
      threshold: o.cacheCpuPercent,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 3,
      datapoints: 3,
      missing: 'missing',
    },
    {
      id: 'CacheMemory',
      fn: 'MAX',
      metricName: 'DatabaseMemoryUsagePercentage',
      stat: 'Average',
      period: 300,
      threshold: o.cacheMemoryPercent,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 3,
      datapoints: 3,
      missing: 'missing',
    },
    {
      id: 'CacheEvictions',
      fn: 'SUM',
      metricName: 'Evictions',
      stat: 'Sum',
      period: 60,
      threshold: o.cacheEvictionsPerMinute,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 5,
      datapoints: 3,
      missing: 'notBreaching',
    },
    {
      id: 'CacheReplicationLag',
      fn: 'MAX',
      metricName: 'ReplicationLag',
      stat: 'Maximum',
      period: 60,
      threshold: o.cacheReplicationLagSeconds,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 5,
      datapoints: 5,
      missing: 'missing',
    },
  ];

  test.each(ENVS)('%s: cache CPU, memory, evictions and replication lag over every node', (env) => {
    const c = PRESETS[env];
    const nodeIds = Array.from({ length: cacheNodes(c) }, (_, i) => `scalablebackend-${env}-00${i + 1}`);
    for (const row of cacheRows(c.observability)) {
      if (row.id === 'CacheReplicationLag' && c.cache.replicas === 0) {
        // THEN a cache without replicas has no replication lag to alarm on
        expect(
          resourcesOf(templates[env], 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties!.AlarmName),
        ).not.toContain(`${stackName(env)}-${row.id}`);
        continue;
      }
      const props = alarm(env, row.id);
      const metrics =
        nodeIds.length === 1
          ? // one node: a plain metric alarm
            [
              {
                MetricName: props.MetricName,
                Stat: props.Statistic,
                Period: props.Period,
                Dimensions: props.Dimensions,
              },
            ]
          : (() => {
              const m = mathOf(props);
              expect(m.expression).toBe(`${row.fn}([${nodeIds.map((_, i) => `node${i}`).join(', ')}])`);
              return Object.values(m.metrics);
            })();
      expect(metrics.map((m) => (m.Dimensions as { Value: string }[])[0].Value)).toEqual(nodeIds);
      for (const m of metrics) {
        expect(m).toMatchObject({ MetricName: row.metricName, Stat: row.stat, Period: row.period });
      }
      expect(props).toMatchObject({
        Threshold: row.threshold,
        ComparisonOperator: row.comparison,
        EvaluationPeriods: row.evaluationPeriods,
        DatapointsToAlarm: row.datapoints,
        TreatMissingData: row.missing,
        AlarmActions: [topicRef(templates[env])],
        OKActions: [topicRef(templates[env])],
      });
    }
  });

  test.each(ENVS)(
    '%s: cache hit rate = hits / (hits + misses), below the floor, guarded by lookups',
    (env) => {
      const o = PRESETS[env].observability;
      const props = alarm(env, 'CacheHitRate');
      const { expression, metrics } = mathOf(props);
      const n = cacheNodes(PRESETS[env]);
      const hits = `SUM([${Array.from({ length: n }, (_, i) => `hits${i}`).join(', ')}])`;
      const misses = `SUM([${Array.from({ length: n }, (_, i) => `misses${i}`).join(', ')}])`;
      expect(expression).toBe(
        `IF((${hits} + ${misses}) >= ${o.cacheHitRateMinLookupsPerMinute * 5}, 100 * ${hits} / (${hits} + ${misses}), 100)`,
      );
      expect(metrics.hits0).toMatchObject({
        MetricName: 'CacheHits',
        Namespace: 'AWS/ElastiCache',
        Stat: 'Sum',
        Period: 300,
      });
      expect(metrics.misses0).toMatchObject({
        MetricName: 'CacheMisses',
        Namespace: 'AWS/ElastiCache',
        Stat: 'Sum',
        Period: 300,
      });
      expect(props).toMatchObject({
        Threshold: o.cacheHitRatePercent,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        TreatMissingData: 'notBreaching',
        AlarmActions: [topicRef(templates[env])],
        OKActions: [topicRef(templates[env])],
      });
    },
  );

  test.each(ENVS)('%s: the number of alarms follows the replicas and cache nodes', (env) => {
    // GIVEN the preset's replica and node counts (plus the database tier's "replica not serving"
    // alarm per replica, and the release guard's three alarms per target group: one group with
    // rolling releases, two with canary; all notify the same topic)
    const releaseAlarms = 3 * (PRESETS[env].service.deployment.strategy === 'rolling' ? 1 : 2);
    const expected = expectedAlarmCount(PRESETS[env]) + PRESETS[env].database.readReplicas + releaseAlarms;
    // WHEN counting the alarms that notify the topic
    const topic = topicRef(templates[env]);
    const notifying = resourcesOf(templates[env], 'AWS::CloudWatch::Alarm').filter(([, r]) =>
      JSON.stringify(r.Properties!.AlarmActions ?? []).includes(JSON.stringify(topic)),
    );
    // THEN each one is accounted for (dev 24: 1 replica, 1 node, 3 release alarms; prod 32: 2
    // replicas, 2 nodes, WAF, 6 release alarms)
    expect(notifying.length).toStrictEqual(expected);
    expect(expected).toStrictEqual(env === 'dev' ? 24 : 32);
    // AND the only other alarms are the two step-scaling triggers, which must not page anyone
    expect(resourcesOf(templates[env], 'AWS::CloudWatch::Alarm').length).toStrictEqual(expected + 2);
  });
});
