import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { PRESETS } from '../lib/config/presets';
import { EnvironmentConfig, ObservabilityConfig } from '../lib/config/schema';
import { Network } from '../lib/network';
import {
  MAX_METRICS_PER_ALARM,
  Observability,
  ObservabilityProps,
  instanceClassMemoryGiB,
  postgresMaxConnections,
} from '../lib/observability';
import { Service } from '../lib/service';
import { importedDatabase, presets, resourcesOf, stackName } from './helpers';

// GIVEN the dev and prod presets, synthesized once for the whole run by the global setup
const { templates } = presets();
const ENVS = ['dev', 'prod'] as const;
type Env = (typeof ENVS)[number];

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/**
 * max_connections = LEAST(memory / 9531392, 5000), worked out by hand for the preset classes:
 * t4g.micro 1 GiB -> 112, r7g.large 16 GiB -> 1802; the alarm fires at dbConnectionsPercent (80%).
 */
const DB_CONNECTION_ALARM: Record<Env, number> = { dev: 89, prod: 1441 };

type Props = Record<string, unknown>;

function topicRef(t: Template): { Ref: string } {
  const topics = resourcesOf(t, 'AWS::SNS::Topic').filter(([id]) => id.startsWith('ObservabilityAlarmTopic'));
  expect(topics).toHaveLength(1);
  return { Ref: topics[0][0] };
}

function alarm(env: Env, id: string): Props {
  const name = `${stackName(env)}-${id}`;
  const found = resourcesOf(templates[env], 'AWS::CloudWatch::Alarm').filter(
    ([, r]) => r.Properties!.AlarmName === name,
  );
  expect(found.map(([, r]) => r.Properties!.AlarmName)).toEqual([name]);
  return found[0][1].Properties as Props;
}

/** The metric queries of a metric-math alarm, keyed by id, and its expression. */
function mathOf(props: Props): { expression: string; metrics: Record<string, Props> } {
  const queries = props.Metrics as Props[];
  const expression = queries.find((q) => q.Expression)!.Expression as string;
  const metrics: Record<string, Props> = {};
  for (const q of queries.filter((q) => q.MetricStat)) {
    const stat = q.MetricStat as { Metric: Props; Period: number; Stat: string };
    metrics[q.Id as string] = {
      ...stat.Metric,
      Period: stat.Period,
      Stat: stat.Stat,
      ReturnData: q.ReturnData,
    };
  }
  return { expression, metrics };
}

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
      dimensions: ['LoadBalancer', 'TargetGroup'],
      threshold: o.p95ResponseTimeSeconds,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 5,
      datapoints: 5,
      missing: 'notBreaching',
    },
    {
      id: 'UnhealthyTargets',
      metricName: 'UnHealthyHostCount',
      namespace: 'AWS/ApplicationELB',
      statistic: 'Maximum',
      period: 60,
      dimensions: ['LoadBalancer', 'TargetGroup'],
      threshold: 1,
      comparison: 'GreaterThanOrEqualToThreshold',
      evaluationPeriods: 5,
      datapoints: 5,
      missing: 'notBreaching',
    },
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

const cacheNodes = (c: EnvironmentConfig) => c.cache.shards * (c.cache.replicas + 1);

/** Alarms the Observability construct must create for a config (the two scaling alarms are the service's). */
function expectedAlarmCount(c: EnvironmentConfig): number {
  const app = 5 + (c.service.maxTasks > c.service.minTasks ? 1 : 0); // p95, 5xx, unhealthy, CPU, memory (+ exhausted)
  const db = 6 + 2 + 2 * c.database.readReplicas; // primary 6, proxy 2, lag + CPU per replica
  const groups = (perNode: number) => Math.ceil(cacheNodes(c) / Math.floor(MAX_METRICS_PER_ALARM / perNode));
  const cache = groups(1) * 3 + groups(2) + (c.cache.replicas > 0 ? groups(1) : 0); // CPU, memory, evictions, hit rate, lag
  const edge = c.service.waf.enabled ? 1 : 0; // blocked requests
  return app + db + cache + edge;
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
    // alarm per replica, which notifies the same topic)
    const expected = expectedAlarmCount(PRESETS[env]) + PRESETS[env].database.readReplicas;
    // WHEN counting the alarms that notify the topic
    const topic = topicRef(templates[env]);
    const notifying = resourcesOf(templates[env], 'AWS::CloudWatch::Alarm').filter(([, r]) =>
      JSON.stringify(r.Properties!.AlarmActions ?? []).includes(JSON.stringify(topic)),
    );
    // THEN each one is accounted for (dev 21: 1 replica, 1 node; prod 26: 2 replicas, 2 nodes, WAF)
    expect(notifying.length).toStrictEqual(expected);
    expect(expected).toStrictEqual(env === 'dev' ? 21 : 26);
    // AND the only other alarms are the two step-scaling triggers, which must not page anyone
    expect(resourcesOf(templates[env], 'AWS::CloudWatch::Alarm').length).toStrictEqual(expected + 2);
  });
});

/** The condition that limits CloudWatch to this account's alarms of this stack. */
function thisStacksAlarms(env: Env) {
  return {
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: {
      'aws:SourceArn': {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':cloudwatch:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            `:alarm:${stackName(env)}-*`,
          ],
        ],
      },
    },
  };
}

describe('alarm topic', () => {
  test.each(ENVS)('%s: encrypted with a rotating customer-managed key CloudWatch may use', (env) => {
    const t = templates[env];
    const keys = resourcesOf(t, 'AWS::KMS::Key').filter(([id]) => id.startsWith('ObservabilityTopicKey'));
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0];
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    expect(key.Properties).toMatchObject({ EnableKeyRotation: true });
    // THEN CloudWatch may use the key only for this account's alarms of this stack (confused deputy)
    expect((key.Properties!.KeyPolicy as { Statement: unknown[] }).Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Condition: thisStacksAlarms(env),
      }),
    );
  });

  test.each(ENVS)('%s: publishes only over TLS; this stack’s alarms may publish', (env) => {
    templates[env].hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topicRef(templates[env])],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: Match.exact(thisStacksAlarms(env)),
          }),
        ]),
      },
    });
  });

  test.each(ENVS)('%s: no e-mail subscription without observability.alarmEmail', (env) => {
    templates[env].resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('dashboard', () => {
  /** The dashboard body with every CloudFormation token replaced by a placeholder, parsed. */
  function dashboard(env: Env): { widgets: { type: string; properties: Props }[] } {
    const boards = resourcesOf(templates[env], 'AWS::CloudWatch::Dashboard');
    expect(boards).toHaveLength(1);
    expect(boards[0][1].Properties!.DashboardName).toBe(`${stackName(env)}-scaling`);
    const body = boards[0][1].Properties!.DashboardBody as { 'Fn::Join': [string, unknown[]] };
    const text = body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
    return JSON.parse(text);
  }

  test.each(ENVS)('%s: one dashboard with every widget the issue lists', (env) => {
    const titles = dashboard(env)
      .widgets.map((w) => w.properties.title)
      .filter(Boolean);
    // THEN requests, latency percentiles, 5xx, tasks vs min/max, CPU/memory, database, replicas,
    // proxy, cache and the advisor's verdict are all there
    expect(titles).toEqual(
      expect.arrayContaining([
        'Alarms',
        'Requests / minute',
        'Target response time (s)',
        '5xx rate (%)',
        'Running tasks (min / max)',
        'Service CPU / memory (%)',
        'Database CPU (%)',
        'Database connections',
        'Primary read / write latency (s)',
        'Replica lag (s)',
        'RDS Proxy connections',
        'RDS Proxy query latency (µs)',
        'Cache hit rate (%)',
        'Cache engine CPU per node (%)',
        'Cache memory per node (%)',
        'Scaling advisor: verdict (latest)',
        'Scaling advisor: headroom per tier (%)',
      ]),
    );
  });

  test.each(ENVS)('%s: latency shows p50/p95/p99 and the task count shows min and max lines', (env) => {
    const widgets = dashboard(env).widgets;
    const byTitle = (title: string) => widgets.find((w) => w.properties.title === title)!.properties;
    const latency = byTitle('Target response time (s)').metrics as unknown[][];
    expect(latency.map((m) => (m[m.length - 1] as Props).stat)).toEqual(['p50', 'p95', 'p99']);
    const tasks = byTitle('Running tasks (min / max)').annotations as {
      horizontal: { value: number; label: string }[];
    };
    expect(tasks.horizontal).toEqual([
      expect.objectContaining({ value: PRESETS[env].service.minTasks, label: 'minTasks' }),
      expect.objectContaining({ value: PRESETS[env].service.maxTasks, label: 'maxTasks' }),
    ]);
    const verdict = byTitle('Scaling advisor: verdict (latest)').metrics as unknown[][];
    expect(verdict[0].slice(0, 4)).toEqual(['ScalableBackend/Advisor', 'Verdict', 'Stack', stackName(env)]);
  });
});

describe('max_connections from the instance class', () => {
  test.each([
    ['t4g.micro', 1, 112],
    ['t4g.medium', 4, 450],
    ['m7g.large', 8, 901],
    ['r7g.large', 16, 1802],
    ['r7g.4xlarge', 128, 5000], // capped
  ])('%s (%i GiB) -> %i', (cls, gib, connections) => {
    expect(instanceClassMemoryGiB(cls)).toBe(gib);
    expect(postgresMaxConnections(cls)).toBe(connections);
  });

  test('an unknown class fails with a message that names the way out', () => {
    expect(() => postgresMaxConnections('x2g.large')).toThrow(
      /'x2g\.large'.*observability\.dbMaxConnections/s,
    );
  });
});

describe('Observability on its own (construct-level synth, no presets)', () => {
  // GIVEN a stack with the dev network and service, a fixed-size service (min = max), a database
  // of an unknown instance class with max_connections given, and a 12-node cluster-mode cache
  function build(
    overrides: Partial<ObservabilityProps['limits']> = {},
    config: Partial<ObservabilityConfig> = {},
  ) {
    // The CloudFormation validator (seconds per synth) runs on the presets in nag.test.ts.
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Standalone');
    const dev = PRESETS.dev;
    const network = new Network(stack, 'Network', { config: dev.network });
    const service = new Service(stack, 'Service', {
      vpc: network.vpc,
      config: { ...dev.service, minTasks: 3, maxTasks: 3 },
    });
    const database = importedDatabase(stack);
    const memberClusterIds = Array.from({ length: 6 }, (_, s) =>
      [1, 2].map((n) => `cache-000${s + 1}-00${n}`),
    ).flat();
    const observability = new Observability(stack, 'Observability', {
      envName: 'standalone',
      config: { ...dev.observability, dbMaxConnections: 400, alarmEmail: 'ops@example.com', ...config },
      service,
      database,
      cache: { replicationGroupId: 'cache', memberClusterIds },
      limits: {
        minTasks: 3,
        maxTasks: 3,
        dbInstanceClass: 'x2g.large',
        proxyMaxConnectionsPercent: 90,
        cacheReplicas: 1,
        ...overrides,
      },
    });
    return { stack, observability, template: Template.fromStack(stack) };
  }
  const { stack, observability, template } = build();
  // (the service's two step-scaling alarms have generated names and are not ours)
  const names = resourcesOf(template, 'AWS::CloudWatch::Alarm')
    .map(([, r]) => r.Properties!.AlarmName as string | undefined)
    .filter((n): n is string => n !== undefined);

  test('an e-mail address in the config subscribes to the topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  test('min = max: no "autoscaling exhausted" alarm, and the synth says why', () => {
    expect(names).not.toContain('Standalone-AutoscalingExhausted');
    Annotations.fromStack(stack).hasInfo(
      '/Standalone/Observability',
      Match.stringLikeRegexp('minTasks equals'),
    );
  });

  test('observability.dbMaxConnections overrides the class table (and an unknown class is then fine)', () => {
    expect(observability.dbMaxConnections).toBe(400);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Standalone-DbConnections',
      Threshold: 320, // 80% of 400
    });
  });

  test('12 cache nodes: alarms split at the 10-metrics-per-alarm limit (5 nodes per hit-rate alarm)', () => {
    expect(names.filter((n) => /-CacheEngineCpu\d*$/.test(n)).sort()).toEqual([
      'Standalone-CacheEngineCpu',
      'Standalone-CacheEngineCpu2',
    ]);
    expect(names.filter((n) => /-CacheHitRate\d*$/.test(n)).sort()).toEqual([
      'Standalone-CacheHitRate',
      'Standalone-CacheHitRate2',
      'Standalone-CacheHitRate3',
    ]);
    for (const [, r] of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
      const metrics = ((r.Properties!.Metrics as Props[]) ?? []).filter((m) => m.MetricStat);
      expect(metrics.length).toBeLessThanOrEqual(MAX_METRICS_PER_ALARM);
    }
    expect(names).toHaveLength(
      expectedAlarmCount({
        ...PRESETS.dev,
        service: { ...PRESETS.dev.service, minTasks: 3, maxTasks: 3 },
        database: { ...PRESETS.dev.database, readReplicas: 1 },
        cache: { ...PRESETS.dev.cache, clusterMode: true, shards: 6, replicas: 1 },
      }),
    );
  });

  test('an unknown instance class without dbMaxConnections fails the synth with a clear message', () => {
    expect(() => build({}, { dbMaxConnections: undefined })).toThrow(
      /cannot derive max_connections for database instance class 'x2g\.large'/,
    );
  });
});
