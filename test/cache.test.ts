import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Cache, memberClusterIds, parameterGroupFamily, replicationGroupIdFor } from '../lib/cache';
import { deepMerge, validateEnvironment } from '../lib/config/load';
import { PRESETS } from '../lib/config/presets';
import { Network } from '../lib/network';
import { configErrorOf } from './config-error';
import { constructTestApp, presets, singleResource, stackName } from './helpers';

// GIVEN the dev and prod presets, synthesized once for the whole run (validators included)
const { templates } = presets();

/** GIVEN a config variant of a preset, WHEN only the network and the Cache are built, THEN both. */
function cacheOnly(env: 'dev' | 'prod', overrides: Record<string, unknown>) {
  const config = validateEnvironment(env, deepMerge(PRESETS[env] as never, { cache: overrides } as never));
  const stack = new Stack(constructTestApp(), stackName(env));
  const network = new Network(stack, 'Network', { config: config.network });
  const cache = new Cache(stack, 'Cache', { vpc: network.vpc, config: config.cache });
  return { cache, stack, template: Template.fromStack(stack, { skipCyclicalDependenciesCheck: true }) };
}

const groupOf = (t: Template) =>
  singleResource(t, 'AWS::ElastiCache::ReplicationGroup', 'CacheReplicationGroup');

describe('replication group', () => {
  test.each([
    ['dev', 'cache.t4g.micro', 1, false, false, 1],
    ['prod', 'cache.r7g.large', 2, true, true, 7],
  ] as const)(
    '%s: redis 7.1 on Graviton %s, %d node(s), failover %s, Multi-AZ %s, %d day(s) of snapshots',
    (env, nodeType, nodes, failover, multiAz, snapshotDays) => {
      const [, group] = groupOf(templates[env]);
      expect(group.Properties).toMatchObject({
        ReplicationGroupId: `scalablebackend-${env}`,
        Engine: 'redis',
        EngineVersion: '7.1',
        CacheNodeType: nodeType,
        NumCacheClusters: nodes,
        AutomaticFailoverEnabled: failover,
        MultiAZEnabled: multiAz,
        SnapshotRetentionLimit: snapshotDays,
        Port: 6379,
      });
    },
  );

  test('prod: nodes in two zones, as Multi-AZ places them, over isolated subnets in every zone', () => {
    // GIVEN prod (Multi-AZ on: ElastiCache keeps the replica in another zone than the primary)
    const t = templates.prod;
    const [, group] = groupOf(t);
    // THEN Multi-AZ with failover and a replica is what spreads the nodes
    expect(group.Properties).toMatchObject({
      MultiAZEnabled: true,
      AutomaticFailoverEnabled: true,
      NumCacheClusters: 2,
    });
    // AND no pinned zone list: PreferredCacheClusterAZs is create-only and would block cache.replicas changes
    expect(group.Properties).not.toHaveProperty('PreferredCacheClusterAZs');
    // AND the subnet group offers every zone of the VPC (three isolated subnets in prod)
    const [, subnetGroup] = singleResource(t, 'AWS::ElastiCache::SubnetGroup', 'CacheSubnetGroup');
    const subnets = subnetGroup.Properties!.SubnetIds as { Ref: string }[];
    expect(subnets.map((s) => s.Ref.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'NetworkVpcIsolatedSubnet1Subnet',
      'NetworkVpcIsolatedSubnet2Subnet',
      'NetworkVpcIsolatedSubnet3Subnet',
    ]);
  });

  test.each(['dev', 'prod'] as const)(
    '%s: encrypted in transit and at rest, AUTH token from Secrets Manager',
    (env) => {
      const t = templates[env];
      const [, group] = groupOf(t);
      const [secretId, secret] = singleResource(t, 'AWS::SecretsManager::Secret', 'CacheAuthToken');
      expect(group.Properties).toMatchObject({
        TransitEncryptionEnabled: true,
        AtRestEncryptionEnabled: true,
      });
      // THEN the token is a dynamic reference to the generated secret, never a literal in the template
      expect(group.Properties!.AuthToken).toEqual({
        'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']],
      });
      // 16-128 characters ElastiCache accepts: alphanumerics only
      expect(secret.Properties!.GenerateSecretString).toEqual({
        PasswordLength: 64,
        ExcludePunctuation: true,
        IncludeSpace: false,
      });
    },
  );

  test.each(['dev', 'prod'] as const)(
    '%s: nodes in the isolated subnets, behind their own security group',
    (env) => {
      const t = templates[env];
      const [, group] = groupOf(t);
      const [subnetGroupId, subnetGroup] = singleResource(
        t,
        'AWS::ElastiCache::SubnetGroup',
        'CacheSubnetGroup',
      );
      const [sgId] = singleResource(t, 'AWS::EC2::SecurityGroup', 'CacheSecurityGroup');
      expect(group.Properties!.CacheSubnetGroupName).toEqual({ Ref: subnetGroupId });
      expect(group.Properties!.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [sgId, 'GroupId'] }]);
      for (const s of subnetGroup.Properties!.SubnetIds as { Ref: string }[]) {
        expect(s.Ref).toMatch(/^NetworkVpcIsolatedSubnet\d+Subnet/);
      }
    },
  );

  test.each(['dev', 'prod'] as const)('%s: a parameter group evicts least-recently-used keys', (env) => {
    const t = templates[env];
    const [groupId, group] = singleResource(t, 'AWS::ElastiCache::ParameterGroup', 'CacheParameterGroup');
    expect(group.Properties).toMatchObject({
      CacheParameterGroupFamily: 'redis7',
      Properties: { 'maxmemory-policy': 'allkeys-lru' },
    });
    expect(groupOf(t)[1].Properties!.CacheParameterGroupName).toEqual({ Ref: groupId });
  });

  test.each([
    ['dev', 'Snapshot'],
    ['prod', 'RetainExceptOnCreate'],
  ] as const)('%s: removal policy %s; shard changes reshard online', (env, policy) => {
    const [id] = groupOf(templates[env]);
    const resource = templates[env].toJSON().Resources[id];
    // UpdateReplacePolicy has no RetainExceptOnCreate (a replacement is never a create rollback).
    expect([resource.DeletionPolicy, resource.UpdateReplacePolicy]).toEqual([
      policy,
      policy === 'RetainExceptOnCreate' ? 'Retain' : policy,
    ]);
    expect(resource.UpdatePolicy).toEqual({ UseOnlineResharding: true });
  });
});

describe('cluster mode and engines', () => {
  test('cluster mode: shards and replicas per shard, configuration endpoint, no reader endpoint', () => {
    // GIVEN prod with cluster mode, 3 shards of 1 primary + 1 replica
    const { template, cache, stack } = cacheOnly('prod', { clusterMode: true, shards: 3, replicas: 1 });
    // THEN the group is sharded and the parameter group enables cluster mode
    const [, group] = groupOf(template);
    expect(group.Properties).toMatchObject({
      NumNodeGroups: 3,
      ReplicasPerNodeGroup: 1,
      AutomaticFailoverEnabled: true,
    });
    expect(group.Properties!.NumCacheClusters).toBeUndefined();
    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      Properties: { 'maxmemory-policy': 'allkeys-lru', 'cluster-enabled': 'yes' },
    });
    // AND the container gets the configuration endpoint and the cluster-mode flag
    expect(stack.resolve(cache.environment.REDIS_HOST)).toEqual({
      'Fn::GetAtt': [groupOf(template)[0], 'ConfigurationEndPoint.Address'],
    });
    expect(cache.environment.REDIS_READER_HOST).toBe('');
    expect(cache.environment.REDIS_CLUSTER_MODE).toBe('true');
    // AND every node id is known for per-node metrics: <id>-<shard>-<node>
    expect(cache.memberClusterIds).toEqual([
      'scalablebackend-prod-0001-001',
      'scalablebackend-prod-0001-002',
      'scalablebackend-prod-0002-001',
      'scalablebackend-prod-0002-002',
      'scalablebackend-prod-0003-001',
      'scalablebackend-prod-0003-002',
    ]);
  });

  test('valkey is an engine option with its own parameter group family', () => {
    const { template } = cacheOnly('dev', { engine: 'valkey', engineVersion: '8.0' });
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'valkey',
      EngineVersion: '8.0',
    });
    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      CacheParameterGroupFamily: 'valkey8',
    });
  });

  test.each([
    ['redis', '6.2', 'redis6.x'],
    ['redis', '7.0', 'redis7'],
    ['valkey', '7.2', 'valkey7'],
    ['valkey', '8.1', 'valkey8'],
  ] as const)('%s %s uses parameter group family %s', (engine, version, family) => {
    expect(parameterGroupFamily(engine, version)).toBe(family);
  });

  test('node ids without cluster mode are <id>-001.. (prod: primary + 1 replica)', () => {
    expect(memberClusterIds('scalablebackend-prod', PRESETS.prod.cache)).toEqual([
      'scalablebackend-prod-001',
      'scalablebackend-prod-002',
    ]);
  });

  test('the replication group id is the stack name within ElastiCache limits', () => {
    expect(replicationGroupIdFor('ScalableBackend-prod')).toBe('scalablebackend-prod');
    const long = replicationGroupIdFor(`ScalableBackend-${'x'.repeat(60)}`);
    expect(long.length).toBeLessThanOrEqual(40);
    expect(long).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
  });
});

describe('combinations ElastiCache rejects fail at synth with a clear message', () => {
  test.each([
    [
      'cluster mode without automatic failover',
      {
        'prod.cache.clusterMode': 'true',
        'prod.cache.automaticFailover': 'false',
        'prod.cache.multiAz': 'false',
      },
      'prod.cache.clusterMode: got true; needs cache.automaticFailover: true',
    ],
    [
      'several shards without cluster mode',
      { 'prod.cache.shards': '2' },
      'prod.cache.shards: got 2; must be 1 unless cache.clusterMode is true',
    ],
    [
      'redis replicas without failover',
      { 'prod.cache.automaticFailover': 'false', 'prod.cache.multiAz': 'false' },
      'prod.cache.replicas: got 1; needs cache.automaticFailover: true with engine redis',
    ],
    [
      'Multi-AZ without failover',
      { 'prod.cache.automaticFailover': 'false' },
      'prod.cache.multiAz: got true; needs cache.automaticFailover: true',
    ],
    [
      'failover with a single node',
      { 'prod.cache.replicas': '0', 'prod.cache.multiAz': 'false' },
      'prod.cache.automaticFailover: got true; needs cache.replicas >= 1',
    ],
    [
      'a data-tiering node type',
      { 'prod.cache.nodeType': 'cache.r6gd.xlarge' },
      'prod.cache.nodeType: got "cache.r6gd.xlarge"; data-tiering node types (cache.r6gd.*) are not supported',
    ],
    [
      'a version the engine does not have',
      { 'prod.cache.engine': 'valkey' },
      'prod.cache.engineVersion: got "7.1"; is not a valkey version ElastiCache can create; allowed: 7.2, 8.0, 8.1',
    ],
  ])('%s', (_name, overrides, message) => {
    expect(configErrorOf({ envs: 'prod', ...overrides })).toContain(message);
  });
});

describe('container contract of the cache', () => {
  test('environment and secret names are exactly the documented ones', () => {
    const { cache, template, stack } = cacheOnly('prod', {});
    const [groupId] = groupOf(template);
    expect(stack.resolve(cache.environment)).toEqual({
      REDIS_HOST: { 'Fn::GetAtt': [groupId, 'PrimaryEndPoint.Address'] },
      REDIS_READER_HOST: { 'Fn::GetAtt': [groupId, 'ReaderEndPoint.Address'] },
      REDIS_PORT: '6379',
      REDIS_TLS: 'true',
      REDIS_CLUSTER_MODE: 'false',
    });
    expect(Object.keys(cache.secrets)).toEqual(['REDIS_AUTH_TOKEN']);
    expect(cache.port).toBe(6379);
    expect(cache.replicationGroupId).toBe('scalablebackend-prod');
  });
});
