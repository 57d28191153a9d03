import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  batchQueries,
  buildQueries,
  ids,
  MAX_QUERIES_PER_CALL,
  PERIOD_SECONDS,
  QUERY_ID_PATTERN,
} from '../../../lambda/scaling-advisor/queries';
import { makeTargets } from './fixtures';

// GIVEN a stack with 3 replicas and 4 cache nodes (ids with dashes, which query ids may not contain)
const targets = makeTargets({
  replicaInstanceIds: ['db-replica-a', 'db-replica-b', 'db-replica-c'],
  cacheClusterIds: ['cache-0001-001', 'cache-0001-002', 'cache-0002-001', 'cache-0002-002'],
});
const queries = buildQueries(targets);
const byId = new Map(queries.map((q) => [q.Id!, q]));

function metricOf(id: string) {
  const q = byId.get(id);
  if (!q) throw new Error(`no query ${id}`);
  const m = q.MetricStat!;
  return {
    namespace: m.Metric!.Namespace,
    name: m.Metric!.MetricName,
    dimensions: Object.fromEntries(m.Metric!.Dimensions!.map((d) => [d.Name, d.Value])),
    stat: m.Stat,
    period: m.Period,
  };
}

describe('queries', () => {
  test('ids are valid GetMetricData ids and unique', () => {
    for (const q of queries) expect(q.Id).toMatch(QUERY_ID_PATTERN);
    expect(byId.size).toBe(queries.length);
  });

  test('one query per metric: 6 ALB, 3 ECS, 7 primary, 2 per replica, 6 proxy, 6 per cache node, 1 own verdict', () => {
    expect(queries).toHaveLength(6 + 3 + 7 + 2 * 3 + 6 + 6 * 4 + 1);
  });

  test('every query returns one-minute data', () => {
    for (const q of queries) {
      expect(q.MetricStat?.Period).toBe(PERIOD_SECONDS);
      expect(q.ReturnData).toBe(true);
    }
    expect(PERIOD_SECONDS).toBe(60);
  });

  test('ALB: counts and p95 latency per load balancer, host counts per target group', () => {
    const lb = { LoadBalancer: targets.loadBalancerFullName };
    const tg = { LoadBalancer: targets.loadBalancerFullName, TargetGroup: targets.targetGroupFullName };
    expect(metricOf(ids.requests)).toMatchObject({
      namespace: 'AWS/ApplicationELB',
      name: 'RequestCount',
      dimensions: lb,
      stat: 'Sum',
    });
    expect(metricOf(ids.p95ResponseTime)).toMatchObject({
      name: 'TargetResponseTime',
      dimensions: lb,
      stat: 'p95',
    });
    expect(metricOf(ids.target5xx)).toMatchObject({
      name: 'HTTPCode_Target_5XX_Count',
      dimensions: lb,
      stat: 'Sum',
    });
    expect(metricOf(ids.elb5xx)).toMatchObject({
      name: 'HTTPCode_ELB_5XX_Count',
      dimensions: lb,
      stat: 'Sum',
    });
    expect(metricOf(ids.unhealthyHosts)).toMatchObject({
      name: 'UnHealthyHostCount',
      dimensions: tg,
      stat: 'Maximum',
    });
    expect(metricOf(ids.healthyHosts)).toMatchObject({ name: 'HealthyHostCount', dimensions: tg });
  });

  test('ECS: utilization from AWS/ECS, running tasks from Container Insights, by cluster and service', () => {
    const svc = { ClusterName: targets.clusterName, ServiceName: targets.serviceName };
    expect(metricOf(ids.appCpu)).toMatchObject({
      namespace: 'AWS/ECS',
      name: 'CPUUtilization',
      dimensions: svc,
    });
    expect(metricOf(ids.appMemory)).toMatchObject({
      namespace: 'AWS/ECS',
      name: 'MemoryUtilization',
      dimensions: svc,
    });
    expect(metricOf(ids.appTasks)).toMatchObject({
      namespace: 'ECS/ContainerInsights',
      name: 'RunningTaskCount',
      dimensions: svc,
    });
  });

  test('RDS: the primary by instance id, each replica by its own id', () => {
    const primary = { DBInstanceIdentifier: 'sb-prod-primary' };
    for (const [id, name] of [
      [ids.dbCpu, 'CPUUtilization'],
      [ids.dbConnections, 'DatabaseConnections'],
      [ids.dbReadLatency, 'ReadLatency'],
      [ids.dbWriteLatency, 'WriteLatency'],
      [ids.dbReadIops, 'ReadIOPS'],
      [ids.dbWriteIops, 'WriteIOPS'],
      [ids.dbFreeableMemory, 'FreeableMemory'],
    ]) {
      expect(metricOf(id)).toMatchObject({ namespace: 'AWS/RDS', name, dimensions: primary });
    }
    targets.replicaInstanceIds.forEach((replica, i) => {
      expect(metricOf(ids.replicaLag(i))).toMatchObject({
        name: 'ReplicaLag',
        dimensions: { DBInstanceIdentifier: replica },
        stat: 'Maximum',
      });
      expect(metricOf(ids.replicaCpu(i))).toMatchObject({
        name: 'CPUUtilization',
        dimensions: { DBInstanceIdentifier: replica },
      });
    });
  });

  test('RDS Proxy: AWS/RDS by ProxyName, connection counts summed over the proxy nodes', () => {
    const proxy = { ProxyName: 'sb-prod-proxy' };
    for (const [id, name, stat] of [
      [ids.proxyClientConnections, 'ClientConnections', 'Sum'],
      [ids.proxyDbConnections, 'DatabaseConnections', 'Sum'],
      [ids.proxyBorrowedConnections, 'DatabaseConnectionsCurrentlyBorrowed', 'Sum'],
      [ids.proxyMaxConnections, 'MaxDatabaseConnectionsAllowed', 'Sum'],
      [ids.proxyQueryLatency, 'QueryResponseLatency', 'Average'],
      [ids.proxyBorrowLatency, 'DatabaseConnectionsBorrowLatency', 'Average'],
    ]) {
      expect(metricOf(id)).toEqual({ namespace: 'AWS/RDS', name, dimensions: proxy, stat, period: 60 });
    }
  });

  test('ElastiCache: six metrics per node, by CacheClusterId', () => {
    targets.cacheClusterIds.forEach((node, i) => {
      const dims = { CacheClusterId: node };
      expect(metricOf(ids.cacheCpu(i))).toMatchObject({
        namespace: 'AWS/ElastiCache',
        name: 'EngineCPUUtilization',
        dimensions: dims,
      });
      expect(metricOf(ids.cacheMemory(i))).toMatchObject({
        name: 'DatabaseMemoryUsagePercentage',
        dimensions: dims,
      });
      expect(metricOf(ids.cacheEvictions(i))).toMatchObject({
        name: 'Evictions',
        dimensions: dims,
        stat: 'Sum',
      });
      expect(metricOf(ids.cacheHits(i))).toMatchObject({ name: 'CacheHits', dimensions: dims, stat: 'Sum' });
      expect(metricOf(ids.cacheMisses(i))).toMatchObject({
        name: 'CacheMisses',
        dimensions: dims,
        stat: 'Sum',
      });
      expect(metricOf(ids.cacheReplicationLag(i))).toMatchObject({
        name: 'ReplicationLag',
        dimensions: dims,
      });
    });
  });

  test("the advisor's own previous verdict, from its namespace by Stack", () => {
    expect(metricOf(ids.previousVerdict)).toEqual({
      namespace: 'ScalableBackend/Advisor',
      name: 'Verdict',
      dimensions: { Stack: 'ScalableBackend-prod' },
      stat: 'Maximum',
      period: 60,
    });
  });
});

describe('batching', () => {
  test('GIVEN 1201 queries THEN batches of 500, 500 and 201', () => {
    const many = Array.from({ length: 1201 }, (_, i) => ({ Id: `q${i}` }) as MetricDataQuery);
    expect(batchQueries(many).map((b) => b.length)).toEqual([500, 500, 201]);
    expect(MAX_QUERIES_PER_CALL).toBe(500);
  });

  test('GIVEN exactly 500 queries THEN one batch; GIVEN none THEN no batch', () => {
    expect(batchQueries(Array.from({ length: 500 }, (_, i) => i))).toHaveLength(1);
    expect(batchQueries([])).toEqual([]);
  });

  test('GIVEN a cluster-mode cache of 90 nodes THEN its queries need two calls, none over the limit', () => {
    const big = buildQueries(
      makeTargets({ cacheClusterIds: Array.from({ length: 90 }, (_, i) => `cache-${i}`) }),
    );
    const batches = batchQueries(big);
    expect(big.length).toBeGreaterThan(500);
    expect(batches).toHaveLength(2);
    expect(batches.every((b) => b.length <= 500)).toBe(true);
    expect(batches.flat()).toEqual(big);
  });

  test('GIVEN a batch size that is not a positive integer THEN it fails clearly', () => {
    expect(() => batchQueries([1], 0)).toThrow(/batch size must be a positive integer, got 0/);
  });
});
