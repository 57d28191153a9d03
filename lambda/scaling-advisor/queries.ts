import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { ADVISOR_METRICS, AdvisorTargets } from './targets';

/**
 * The GetMetricData queries for one stack: which metric, which dimensions, which statistic.
 *
 * Only a type is imported from the SDK, so the pure analysis can import the query ids from here
 * without pulling any SDK code in.
 */

/** One-minute datapoints: the finest period the AWS namespaces publish, and what the alarms use. */
export const PERIOD_SECONDS = 60;

/** GetMetricData takes at most 500 queries per call (the API limit). */
export const MAX_QUERIES_PER_CALL = 500;

/** GetMetricData rejects ids that do not match this. */
export const QUERY_ID_PATTERN = /^[a-z][a-zA-Z0-9_]*$/;

/**
 * Query ids. Per-replica and per-node ids use the position in the targets' lists (instance ids may
 * contain `-`, which an id may not); the analysis maps them back through the same lists.
 */
export const ids = {
  requests: 'alb_requests',
  p95ResponseTime: 'alb_p95_response_time',
  target5xx: 'alb_target_5xx',
  elb5xx: 'alb_elb_5xx',
  unhealthyHosts: 'alb_unhealthy_hosts',
  healthyHosts: 'alb_healthy_hosts',
  /** Host counts of the alternate target group (canary, linear and blue/green services only). */
  unhealthyHostsAlternate: 'alb_unhealthy_hosts_alternate',
  healthyHostsAlternate: 'alb_healthy_hosts_alternate',
  appCpu: 'app_cpu',
  appMemory: 'app_memory',
  appTasks: 'app_running_tasks',
  dbCpu: 'db_cpu',
  dbConnections: 'db_connections',
  dbReadLatency: 'db_read_latency',
  dbWriteLatency: 'db_write_latency',
  dbReadIops: 'db_read_iops',
  dbWriteIops: 'db_write_iops',
  dbFreeableMemory: 'db_freeable_memory',
  replicaLag: (i: number) => `replica${i}_lag`,
  replicaCpu: (i: number) => `replica${i}_cpu`,
  proxyClientConnections: 'proxy_client_connections',
  proxyDbConnections: 'proxy_db_connections',
  proxyBorrowedConnections: 'proxy_borrowed_connections',
  proxyMaxConnections: 'proxy_max_connections',
  proxyQueryLatency: 'proxy_query_latency',
  proxyBorrowLatency: 'proxy_borrow_latency',
  cacheCpu: (i: number) => `cache${i}_engine_cpu`,
  cacheMemory: (i: number) => `cache${i}_memory`,
  cacheEvictions: (i: number) => `cache${i}_evictions`,
  cacheHits: (i: number) => `cache${i}_hits`,
  cacheMisses: (i: number) => `cache${i}_misses`,
  cacheReplicationLag: (i: number) => `cache${i}_replication_lag`,
  wafAllowed: 'waf_allowed',
  wafBlocked: 'waf_blocked',
  /** The advisor's own last verdict, read before the new one is published (stateless change detection). */
  previousVerdict: 'advisor_previous_verdict',
} as const;

type Dimensions = Record<string, string>;

function query(
  id: string,
  namespace: string,
  metricName: string,
  dimensions: Dimensions,
  stat: string,
): MetricDataQuery {
  return {
    Id: id,
    Label: `${metricName} ${Object.values(dimensions).join(' ')}`,
    MetricStat: {
      Metric: {
        Namespace: namespace,
        MetricName: metricName,
        Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: PERIOD_SECONDS,
      Stat: stat,
    },
    ReturnData: true,
  };
}

/** Every query the advisor runs for `targets`, in a stable order. */
export function buildQueries(targets: AdvisorTargets): MetricDataQuery[] {
  const lb = { LoadBalancer: targets.loadBalancerFullName };
  const tg = { TargetGroup: targets.targetGroupFullName, LoadBalancer: targets.loadBalancerFullName };
  const tgAlternate = targets.alternateTargetGroupFullName
    ? { TargetGroup: targets.alternateTargetGroupFullName, LoadBalancer: targets.loadBalancerFullName }
    : undefined;
  const svc = { ClusterName: targets.clusterName, ServiceName: targets.serviceName };
  const db = { DBInstanceIdentifier: targets.dbInstanceId };
  const proxy = { ProxyName: targets.proxyName };
  const alb = 'AWS/ApplicationELB';
  const rds = 'AWS/RDS';
  const cache = 'AWS/ElastiCache';

  return [
    // Load balancer. Counts are Sums per minute; the 5xx rate is computed over the whole
    // LoadBalancer (ELB 5xx never reach a target group), like the stack's 5xx-rate alarm.
    query(ids.requests, alb, 'RequestCount', lb, 'Sum'),
    // p95 over the whole load balancer: the service's two target groups swap roles with every
    // canary, linear or blue/green release.
    query(ids.p95ResponseTime, alb, 'TargetResponseTime', lb, 'p95'),
    query(ids.target5xx, alb, 'HTTPCode_Target_5XX_Count', lb, 'Sum'),
    query(ids.elb5xx, alb, 'HTTPCode_ELB_5XX_Count', lb, 'Sum'),
    // AWS WAF in front of the ALB: what it let through and what it blocked, per minute, over the
    // whole web ACL (Rule ALL). Counts, published only for minutes with requests.
    ...(targets.webAcl
      ? [ids.wafAllowed, ids.wafBlocked].map((id) =>
          query(
            id,
            'AWS/WAFV2',
            id === ids.wafAllowed ? 'AllowedRequests' : 'BlockedRequests',
            { WebACL: targets.webAcl!.metricName, Region: targets.webAcl!.region, Rule: 'ALL' },
            'Sum',
          ),
        )
      : []),
    // Host counts are published every minute whatever the traffic: they prove the ALB reports at all.
    query(ids.unhealthyHosts, alb, 'UnHealthyHostCount', tg, 'Maximum'),
    query(ids.healthyHosts, alb, 'HealthyHostCount', tg, 'Minimum'),
    // The alternate target group serves after every other canary, linear or blue/green release.
    ...(targets.alternateTargetGroupFullName
      ? [
          query(ids.unhealthyHostsAlternate, alb, 'UnHealthyHostCount', tgAlternate!, 'Maximum'),
          query(ids.healthyHostsAlternate, alb, 'HealthyHostCount', tgAlternate!, 'Minimum'),
        ]
      : []),

    // App tier. RunningTaskCount needs Container Insights on the cluster (the service construct enables it).
    query(ids.appCpu, 'AWS/ECS', 'CPUUtilization', svc, 'Average'),
    query(ids.appMemory, 'AWS/ECS', 'MemoryUtilization', svc, 'Average'),
    query(ids.appTasks, 'ECS/ContainerInsights', 'RunningTaskCount', svc, 'Average'),

    // Primary. Latencies are in seconds; IOPS split reads from writes.
    query(ids.dbCpu, rds, 'CPUUtilization', db, 'Average'),
    query(ids.dbConnections, rds, 'DatabaseConnections', db, 'Maximum'),
    query(ids.dbReadLatency, rds, 'ReadLatency', db, 'Average'),
    query(ids.dbWriteLatency, rds, 'WriteLatency', db, 'Average'),
    query(ids.dbReadIops, rds, 'ReadIOPS', db, 'Average'),
    query(ids.dbWriteIops, rds, 'WriteIOPS', db, 'Average'),
    query(ids.dbFreeableMemory, rds, 'FreeableMemory', db, 'Minimum'),

    // Replicas, one pair per instance.
    ...targets.replicaInstanceIds.flatMap((id, i) => [
      query(ids.replicaLag(i), rds, 'ReplicaLag', { DBInstanceIdentifier: id }, 'Maximum'),
      query(ids.replicaCpu(i), rds, 'CPUUtilization', { DBInstanceIdentifier: id }, 'Average'),
    ]),

    // RDS Proxy (namespace AWS/RDS, dimension ProxyName). The proxy publishes per underlying node;
    // AWS documents Sum as the statistic that adds the nodes up for the connection counts, and
    // Average for the latencies (microseconds).
    query(ids.proxyClientConnections, rds, 'ClientConnections', proxy, 'Sum'),
    query(ids.proxyDbConnections, rds, 'DatabaseConnections', proxy, 'Sum'),
    query(ids.proxyBorrowedConnections, rds, 'DatabaseConnectionsCurrentlyBorrowed', proxy, 'Sum'),
    query(ids.proxyMaxConnections, rds, 'MaxDatabaseConnectionsAllowed', proxy, 'Sum'),
    query(ids.proxyQueryLatency, rds, 'QueryResponseLatency', proxy, 'Average'),
    query(ids.proxyBorrowLatency, rds, 'DatabaseConnectionsBorrowLatency', proxy, 'Average'),

    // Cache, per node (each node of a replication group is a cache cluster of its own).
    ...targets.cacheClusterIds.flatMap((id, i) => {
      const node = { CacheClusterId: id };
      return [
        query(ids.cacheCpu(i), cache, 'EngineCPUUtilization', node, 'Average'),
        query(ids.cacheMemory(i), cache, 'DatabaseMemoryUsagePercentage', node, 'Average'),
        query(ids.cacheEvictions(i), cache, 'Evictions', node, 'Sum'),
        query(ids.cacheHits(i), cache, 'CacheHits', node, 'Sum'),
        query(ids.cacheMisses(i), cache, 'CacheMisses', node, 'Sum'),
        // Published by replica nodes only.
        query(ids.cacheReplicationLag(i), cache, 'ReplicationLag', node, 'Maximum'),
      ];
    }),

    // The advisor's own previous verdict: Maximum, so two runs in one minute cannot average into a
    // code that means something else.
    query(
      ids.previousVerdict,
      targets.namespace,
      ADVISOR_METRICS.verdict,
      { [ADVISOR_METRICS.stackDimension]: targets.stackName },
      'Maximum',
    ),
  ];
}

/** Split queries into GetMetricData-sized batches. */
export function batchQueries<T>(queries: readonly T[], size: number = MAX_QUERIES_PER_CALL): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`batch size must be a positive integer, got ${size}`);
  const batches: T[][] = [];
  for (let i = 0; i < queries.length; i += size) batches.push(queries.slice(i, i + size));
  return batches;
}
