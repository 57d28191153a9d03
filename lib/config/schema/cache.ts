/** Schema of the cache (`cache`): an ElastiCache replication group running Redis or Valkey. */
import { z } from 'zod';
import { cacheNodeType, describeFamilies } from '../tables/instance-classes';
import { IN_PLACE, doc, int } from './common';

/** A node type of the table in `tables/instance-classes.ts`. */
const nodeType = z.string().superRefine((v, ctx) => {
  if (cacheNodeType(v)) return;
  ctx.addIssue({
    code: 'custom',
    input: v,
    message: /^cache\.r6gd\./.test(v)
      ? // ElastiCache requires DataTieringEnabled with r6gd nodes, which this stack does not set.
        'data-tiering node types (cache.r6gd.*) are not supported; use e.g. cache.r7g.*'
      : `is not an ElastiCache node type this stack offers (e.g. cache.t4g.micro); allowed families and sizes (cache.<family>.<size>): ${describeFamilies('cache')}`,
  });
});

export const cacheSchema = z.strictObject({
  engine: doc(z.enum(['redis', 'valkey']), {
    description: 'Cache engine.',
    onChange:
      'redis -> valkey: ElastiCache migrates in place, but the resource specification marks Engine as replacing, so npm run review blocks it (the fixed group id makes a replacement fail, nothing is lost): see docs/reviewing.md; valkey -> redis is not possible',
  }),
  engineVersion: doc(z.string().regex(/^\d+\.\d+$/, 'must be major.minor, e.g. 7.1'), {
    description: 'Engine version (redis: 6.2, 7.0, 7.1; valkey: 7.2, 8.0, 8.1).',
    onChange: 'in-place upgrade (upgrades only)',
  }),
  nodeType: doc(nodeType, {
    description: 'Node type (Graviton by default).',
    onChange: 'in place (online vertical scaling)',
  }),
  port: doc(int(1024, 65535), {
    description: 'Port the cache listens on.',
    onChange:
      'needs a new cache: CloudFormation refuses (fixed group id), the update fails and nothing is lost',
  }),
  replicas: doc(int(0, 5), {
    description: 'Replicas per node group (per shard in cluster mode).',
    onChange: 'in place (adds or removes replica nodes)',
  }),
  clusterMode: doc(z.boolean(), {
    description: 'Cluster mode (sharding across node groups); needs automatic failover.',
    onChange:
      'needs a new cache: CloudFormation refuses (fixed group id), the update fails and nothing is lost: choose it before going live',
  }),
  shards: doc(int(1, 500), {
    description: 'Node groups (shards) in cluster mode; must be 1 without cluster mode.',
    onChange: 'in place (online resharding)',
  }),
  automaticFailover: doc(z.boolean(), {
    description: 'Promote a replica when the primary fails; needs at least 1 replica.',
    onChange: IN_PLACE,
  }),
  multiAz: doc(z.boolean(), {
    description: 'Spread nodes over AZs with Multi-AZ failover; needs automatic failover.',
    onChange: IN_PLACE,
  }),
  maxmemoryPolicy: doc(
    z.enum([
      'allkeys-lru',
      'allkeys-lfu',
      'allkeys-random',
      'volatile-lru',
      'volatile-lfu',
      'volatile-random',
      'volatile-ttl',
      'noeviction',
    ]),
    { description: 'Eviction policy when memory is full.', onChange: IN_PLACE },
  ),
  snapshotRetentionDays: doc(int(0, 35), {
    description: 'Daily snapshots kept (0 = none).',
    onChange: IN_PLACE,
  }),
  removalPolicy: doc(z.enum(['retain', 'snapshot', 'destroy']), {
    description:
      'What happens to the cache when deleted. `destroy` is allowed only with `target: localstack`.',
    onChange: IN_PLACE,
  }),
});

/** Cache engine versions ElastiCache can create, per engine. */
export const CACHE_ENGINE_VERSIONS: Record<'redis' | 'valkey', readonly string[]> = {
  redis: ['6.2', '7.0', '7.1'],
  valkey: ['7.2', '8.0', '8.1'],
};
