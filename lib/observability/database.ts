/**
 * Database alarms (primary, read replicas, RDS Proxy) and their dashboard rows, with the helpers
 * that derive RDS for PostgreSQL's default max_connections from the instance class.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as rds from 'aws-cdk-lib/aws-rds';
import { ObservabilityConfig } from '../config/schema';
import { describeFamilies, rdsInstanceClass } from '../config/tables/instance-classes';
import {
  AlarmFactory,
  FIVE_MINUTES,
  GIB,
  GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  LESS_THAN_THRESHOLD,
  MIB,
  MISSING,
  NOT_BREACHING,
  ONE_MINUTE,
  ObservedLimits,
  percentGraph,
  lineComparison,
} from './alarms';

/**
 * What the alarms need from the data tier. The `Database` construct satisfies it structurally, so
 * observability depends on the three handles it watches, not on how the tier is built.
 */
export interface ObservedDatabase {
  /** The writer instance (behind the proxy). */
  readonly primary: rds.IDatabaseInstance;
  /** Read replicas; each gets its own lag and CPU alarm. */
  readonly replicas: readonly rds.IDatabaseInstance[];
  /** RDS Proxy in front of the primary. */
  readonly proxy: rds.IDatabaseProxy;
}

/** RDS for PostgreSQL's default `max_connections`: LEAST(DBInstanceClassMemory / 9531392, 5000). */
export const POSTGRES_BYTES_PER_CONNECTION = 9_531_392;
export const POSTGRES_MAX_CONNECTIONS_CAP = 5000;

/**
 * Nominal memory (GiB) of an RDS instance class (`r7g.large` or `db.r7g.large`), from the table the
 * config is validated against (lib/config/tables/instance-classes.ts); undefined when not in it.
 */
export function instanceClassMemoryGiB(instanceClass: string): number | undefined {
  return rdsInstanceClass(instanceClass)?.memoryGiB;
}

/**
 * The default `max_connections` of RDS for PostgreSQL on an instance class, from its nominal memory.
 * RDS subtracts memory reserved for the OS from `DBInstanceClassMemory`, so the real value is a few
 * percent lower (noticeably on micro classes): this is an upper bound. Throws for an unknown class.
 */
export function postgresMaxConnections(instanceClass: string): number {
  const gib = instanceClassMemoryGiB(instanceClass);
  if (gib === undefined) {
    // The config schema refuses classes outside the table, so only a direct caller reaches this.
    throw new Error(
      `observability: cannot derive max_connections for database instance class '${instanceClass}': it is not in the instance class table; allowed: ${describeFamilies('rds')}. ` +
        'Set observability.dbMaxConnections to the value `SHOW max_connections` returns.',
    );
  }
  return Math.min(Math.floor((gib * GIB) / POSTGRES_BYTES_PER_CONNECTION), POSTGRES_MAX_CONNECTIONS_CAP);
}

/**
 * Alarms on the primary, each read replica and the RDS Proxy, created through `alarms`; returns the
 * dashboard rows. The connection alarms are based on `dbMaxConnections`, the primary's max_connections.
 */
export function databaseAlarms(
  alarms: AlarmFactory,
  config: ObservabilityConfig,
  database: ObservedDatabase,
  limits: ObservedLimits,
  dbMaxConnections: number,
): cloudwatch.IWidget[][] {
  const rdsMetric = (
    instance: rds.IDatabaseInstance,
    metricName: string,
    statistic: string,
    period: Duration,
  ) =>
    new cloudwatch.Metric({
      namespace: 'AWS/RDS',
      metricName,
      dimensionsMap: { DBInstanceIdentifier: instance.instanceIdentifier },
      statistic,
      period,
    });
  const proxyMetric = (metricName: string, statistic: string) =>
    new cloudwatch.Metric({
      namespace: 'AWS/RDS',
      metricName,
      dimensionsMap: { ProxyName: database.proxy.dbProxyName },
      statistic,
      period: ONE_MINUTE,
    });
  const primary = database.primary;

  const primaryCpu = rdsMetric(primary, 'CPUUtilization', 'Average', FIVE_MINUTES);
  alarms.addAlarm('DbCpu', {
    metric: primaryCpu,
    threshold: config.dbCpuPercent,
    comparison: lineComparison('dbCpuPercent'),
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: MISSING,
    description:
      `Primary database CPU has stayed above ${config.dbCpuPercent}% for 15 minutes (observability.dbCpuPercent). In order: ` +
      'optimize the slow queries (slow-query log, CloudWatch Database Insights top SQL); cache the expensive reads in Redis; move reads to ' +
      'read replicas (database.readReplicas); only then a larger primary (database.instanceClass).',
  });

  alarms.addAlarm('DbFreeableMemory', {
    metric: rdsMetric(primary, 'FreeableMemory', 'Average', FIVE_MINUTES),
    threshold: config.dbFreeableMemoryMiB * MIB,
    comparison: lineComparison('dbFreeableMemoryMiB'),
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    treatMissingData: MISSING,
    description:
      `Primary freeable memory has stayed below ${config.dbFreeableMemoryMiB} MiB for 15 minutes (observability.dbFreeableMemoryMiB): ` +
      'the working set no longer fits and reads go to disk. Reduce connections (each costs memory: RDS Proxy settings), cache hot ' +
      'reads in Redis, or scale the primary vertically (database.instanceClass, memory-optimized r classes).',
  });

  alarms.addAlarm('DbFreeStorage', {
    metric: rdsMetric(primary, 'FreeStorageSpace', 'Minimum', FIVE_MINUTES),
    threshold: config.dbFreeStorageGiB * GIB,
    comparison: LESS_THAN_THRESHOLD,
    evaluationPeriods: 2,
    datapointsToAlarm: 2,
    treatMissingData: MISSING,
    description:
      `Primary free storage is below ${config.dbFreeStorageGiB} GiB (observability.dbFreeStorageGiB). Storage autoscaling grows ` +
      'the volume up to database.maxAllocatedStorageGiB: if it is at the ceiling, raise it; also look for bloat (VACUUM) and old data.',
  });

  const connectionLimit = Math.floor((dbMaxConnections * config.dbConnectionsPercent) / 100);
  const connections = rdsMetric(primary, 'DatabaseConnections', 'Maximum', ONE_MINUTE);
  alarms.addAlarm('DbConnections', {
    metric: connections,
    threshold: connectionLimit,
    comparison: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    treatMissingData: MISSING,
    description:
      `Primary connections have been at or above ${connectionLimit} (${config.dbConnectionsPercent}% of max_connections ` +
      `${dbMaxConnections}) for 5 minutes (observability.dbConnectionsPercent). New connections will soon be refused. ` +
      'Connect through RDS Proxy (not directly), tune its pool (database.proxy.maxConnectionsPercent, idleClientTimeoutSeconds), ' +
      'reduce per-task pool sizes before adding tasks; a larger instance class raises max_connections.',
  });

  const latency = (metricName: 'ReadLatency' | 'WriteLatency') =>
    rdsMetric(primary, metricName, 'Average', ONE_MINUTE);
  alarms.addAlarm('DbReadLatency', {
    metric: latency('ReadLatency'),
    threshold: config.dbLatencyMs / 1000,
    comparison: lineComparison('dbLatencyMs'),
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    treatMissingData: MISSING,
    description:
      `Primary read latency (disk I/O per read) has been above ${config.dbLatencyMs} ms for 5 minutes (observability.dbLatencyMs): ` +
      'the working set does not fit in memory or queries scan. Add indexes / optimize queries, cache the expensive reads in Redis, ' +
      'send reads to replicas (database.readReplicas), then scale vertically (more memory).',
  });
  alarms.addAlarm('DbWriteLatency', {
    metric: latency('WriteLatency'),
    threshold: config.dbLatencyMs / 1000,
    comparison: lineComparison('dbLatencyMs'),
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    treatMissingData: MISSING,
    description:
      `Primary write latency has been above ${config.dbLatencyMs} ms for 5 minutes (observability.dbLatencyMs): the database is ` +
      'write-bound. Replicas and caches do not help writes: optimize the slow writes (batching, fewer indexes, shorter transactions), ' +
      'then a larger primary (database.instanceClass). Sharding Postgres is out of scope for this stack.',
  });

  // RDS Proxy reports latency in microseconds, per proxy node: Average over the proxy is what clients see.
  const proxyLatency = proxyMetric('QueryResponseLatency', 'Average');
  alarms.addAlarm('ProxyQueryLatency', {
    metric: proxyLatency,
    threshold: config.dbLatencyMs * 1000,
    comparison: lineComparison('dbLatencyMs'),
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    treatMissingData: NOT_BREACHING,
    description:
      `Queries through RDS Proxy have averaged above ${config.dbLatencyMs} ms for 5 minutes (observability.dbLatencyMs). ` +
      'If the primary is busy (DbCpu, DbReadLatency), optimize the slow queries and cache reads; if the primary is idle, clients ' +
      'wait for pooled connections: check ProxyConnections and the borrow timeout (database.proxy.*).',
  });

  // The pool is what runs out: the proxy opens at most maxConnectionsPercent of max_connections
  // (it publishes that ceiling as MaxDatabaseConnectionsAllowed); beyond it clients queue for a
  // connection until connectionBorrowTimeoutSeconds. Each proxy node publishes its own datapoints,
  // and Sum adds them up (as AWS documents for these counts).
  const proxyPool = proxyMetric('DatabaseConnections', 'Sum');
  const proxyCeiling = proxyMetric('MaxDatabaseConnectionsAllowed', 'Sum');
  const proxyPoolPercent = new cloudwatch.MathExpression({
    expression: '100 * pool / ceiling',
    usingMetrics: { pool: proxyPool, ceiling: proxyCeiling },
    period: ONE_MINUTE,
    label: 'Proxy pool in use (%)',
  });
  alarms.addAlarm('ProxyConnections', {
    metric: proxyPoolPercent,
    threshold: config.dbConnectionsPercent,
    comparison: lineComparison('dbConnectionsPercent'),
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    treatMissingData: NOT_BREACHING,
    description:
      `RDS Proxy has used at least ${config.dbConnectionsPercent}% of its connection pool for 5 minutes ` +
      `(observability.dbConnectionsPercent; the pool is database.proxy.maxConnectionsPercent = ${limits.proxyMaxConnectionsPercent}% ` +
      'of max_connections): clients will soon queue for connections and time out. Look for session pinning (SET statements, ' +
      'temporary tables) in the proxy logs and shorten transactions; then raise database.proxy.maxConnectionsPercent, ' +
      'or a larger primary (more max_connections).',
  });

  const replicaLagWidgets: cloudwatch.Metric[] = [];
  const replicaCpus: cloudwatch.Metric[] = [];
  database.replicas.forEach((replica, i) => {
    const n = i + 1;
    const lag = rdsMetric(replica, 'ReplicaLag', 'Maximum', ONE_MINUTE);
    replicaLagWidgets.push(lag.with({ label: `Replica ${n}` }));
    alarms.addAlarm(`Replica${n}Lag`, {
      metric: lag,
      threshold: config.replicaLagSeconds,
      comparison: lineComparison('replicaLagSeconds'),
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: MISSING,
      description:
        `Read replica ${n} has lagged the primary by more than ${config.replicaLagSeconds}s for 5 minutes ` +
        '(observability.replicaLagSeconds): reads from it may be stale. The primary writes faster than the replica replays ' +
        '(write burst, long transactions) or the replica is too small: give it the primary’s class (database.replicaInstanceClass); ' +
        'read-your-writes paths must read from the primary.',
    });
    const replicaCpu = rdsMetric(replica, 'CPUUtilization', 'Average', FIVE_MINUTES);
    replicaCpus.push(replicaCpu.with({ label: `Replica ${n}` }));
    alarms.addAlarm(`Replica${n}Cpu`, {
      metric: replicaCpu,
      threshold: config.dbCpuPercent,
      comparison: lineComparison('dbCpuPercent'),
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: MISSING,
      description:
        `Read replica ${n} CPU has stayed above ${config.dbCpuPercent}% for 15 minutes (observability.dbCpuPercent): the read ` +
        'load outgrows the replicas. Cache the expensive reads in Redis, add replicas (database.readReplicas, up to 15) and ' +
        'spread reads over the reader endpoints, or a larger database.replicaInstanceClass.',
    });
  });

  return [
    [
      percentGraph(
        'Database CPU (%)',
        [
          primaryCpu.with({ label: 'Primary', period: ONE_MINUTE }),
          ...replicaCpus.map((m) => m.with({ period: ONE_MINUTE })),
        ],
        config.dbCpuPercent,
      ),
      new cloudwatch.GraphWidget({
        title: 'Database connections',
        left: [connections.with({ label: 'Primary' })],
        leftAnnotations: [
          { value: connectionLimit, label: 'alarm' },
          { value: dbMaxConnections, label: 'max_connections', color: cloudwatch.Color.RED },
        ],
        leftYAxis: { min: 0 },
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Primary read / write latency (s)',
        left: [
          latency('ReadLatency').with({ label: 'Read' }),
          latency('WriteLatency').with({ label: 'Write' }),
        ],
        leftAnnotations: [{ value: config.dbLatencyMs / 1000, label: 'alarm' }],
        width: 8,
      }),
    ],
    [
      new cloudwatch.GraphWidget({
        title: 'Replica lag (s)',
        left: replicaLagWidgets,
        leftAnnotations: [{ value: config.replicaLagSeconds, label: 'alarm' }],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'RDS Proxy connections',
        left: [
          proxyMetric('ClientConnections', 'Sum').with({ label: 'Client connections' }),
          proxyPool.with({ label: 'Database connections (pool)' }),
          proxyCeiling.with({ label: 'Pool ceiling' }),
        ],
        leftYAxis: { min: 0 },
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'RDS Proxy query latency (µs)',
        left: [proxyLatency.with({ label: 'Average' })],
        leftAnnotations: [{ value: config.dbLatencyMs * 1000, label: 'alarm' }],
        width: 8,
      }),
    ],
  ];
}
