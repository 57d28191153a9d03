import { Template } from 'aws-cdk-lib/assertions';
import { findings, presets, variant } from './helpers';

/**
 * Nothing lost: the resources that hold data keep their logical ids (a new id is a new, empty
 * resource), their removal policies, and the properties whose change makes CloudFormation replace
 * them, across the config changes operators make routinely.
 */

type Resource = {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

/** Resource types that hold data, or without which retained data cannot be used (key, secret). */
const STATEFUL_TYPES = [
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBSubnetGroup',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::ElastiCache::SubnetGroup',
  'AWS::SecretsManager::Secret',
  'AWS::KMS::Key',
];

/**
 * Properties whose update means "Replacement" in the CloudFormation resource reference (plus the
 * physical names, which are fixed on purpose).
 */
const REPLACING: Record<string, string[]> = {
  'AWS::RDS::DBInstance': [
    'DBInstanceIdentifier',
    'DBName',
    'Engine',
    'MasterUsername',
    'KmsKeyId',
    'StorageEncrypted',
    'DBSubnetGroupName',
    'SourceDBInstanceIdentifier',
    'AvailabilityZone',
    'CharacterSetName',
    'DBClusterIdentifier',
    'DBSnapshotIdentifier',
    'Timezone',
    'Port',
  ],
  'AWS::RDS::DBSubnetGroup': ['DBSubnetGroupName'],
  'AWS::ElastiCache::ReplicationGroup': [
    'ReplicationGroupId',
    'Engine',
    'Port',
    'CacheSubnetGroupName',
    'AtRestEncryptionEnabled',
    'KmsKeyId',
    'NumNodeGroups',
    'NodeGroupConfiguration',
    'PreferredCacheClusterAZs',
    'SnapshotArns',
    'SnapshotName',
    'DataTieringEnabled',
    'NetworkType',
  ],
  'AWS::ElastiCache::SubnetGroup': ['CacheSubnetGroupName'],
  'AWS::SecretsManager::Secret': ['Name'],
  'AWS::KMS::Key': ['KeySpec', 'KeyUsage', 'MultiRegion'],
};

/**
 * The logical ids of the data tier, pinned. If a refactor changes one of these, CloudFormation
 * would create a new (empty) resource and delete or orphan the old one: fix the refactor, do not
 * update this list.
 */
const PINNED: Record<'dev' | 'prod', Record<string, string>> = {
  dev: {
    DatabaseStorageKey6003D257: 'AWS::KMS::Key',
    DatabaseSubnetGroup7D60F180: 'AWS::RDS::DBSubnetGroup',
    DatabasePrimaryEDE0B3D0: 'AWS::RDS::DBInstance',
    ScalableBackenddevDatabasePrimarySecretAA9730173fdaad7efa858a3daf9490cf0a702aeb:
      'AWS::SecretsManager::Secret',
    DatabaseAppSecret2E50FD00: 'AWS::SecretsManager::Secret',
    // Added with the query advisor (its statistics-only role's credentials), not moved.
    DatabaseAppRoleMonitorSecretF2C76EE7: 'AWS::SecretsManager::Secret',
    DatabaseReplica1ED560A1F: 'AWS::RDS::DBInstance',
    CacheSubnetGroup355C216D: 'AWS::ElastiCache::SubnetGroup',
    CacheAuthToken04672416: 'AWS::SecretsManager::Secret',
    CacheReplicationGroupBFE59FF3: 'AWS::ElastiCache::ReplicationGroup',
  },
  prod: {
    DatabaseStorageKey6003D257: 'AWS::KMS::Key',
    DatabaseSubnetGroup7D60F180: 'AWS::RDS::DBSubnetGroup',
    DatabasePrimaryEDE0B3D0: 'AWS::RDS::DBInstance',
    ScalableBackendprodDatabasePrimarySecret0AFA2E043fdaad7efa858a3daf9490cf0a702aeb:
      'AWS::SecretsManager::Secret',
    DatabaseAppSecret2E50FD00: 'AWS::SecretsManager::Secret',
    // Added with the query advisor (its statistics-only role's credentials), not moved.
    DatabaseAppRoleMonitorSecretF2C76EE7: 'AWS::SecretsManager::Secret',
    DatabaseReplica1ED560A1F: 'AWS::RDS::DBInstance',
    DatabaseReplica2035311FF: 'AWS::RDS::DBInstance',
    CacheSubnetGroup355C216D: 'AWS::ElastiCache::SubnetGroup',
    CacheAuthToken04672416: 'AWS::SecretsManager::Secret',
    CacheReplicationGroupBFE59FF3: 'AWS::ElastiCache::ReplicationGroup',
  },
};

/** Data-tier resources of the stateful types (other tiers may add keys or secrets of their own). */
function statefulResources(template: Template): Record<string, Resource> {
  const resources = template.toJSON().Resources as Record<string, Resource>;
  return Object.fromEntries(
    Object.entries(resources).filter(
      ([id, r]) => STATEFUL_TYPES.includes(r.Type) && /^(Database|Cache|ScalableBackend\w+Database)/.test(id),
    ),
  );
}

function replacing(resource: Resource): Record<string, unknown> {
  return Object.fromEntries(REPLACING[resource.Type].map((key) => [key, resource.Properties?.[key]]));
}

// GIVEN the presets as deployed (synthesized once for the run) ...
const before = presets().templates;
// ... AND the same environments after the routine changes (one synth for both)
const changed = variant('routineChanges');
const after = changed.templates;

test('the changed environments are still free of cdk-nag and CloudFormation findings', () => {
  expect(findings(changed.validationReport)).toEqual([]);
});

describe.each(['dev', 'prod'] as const)('%s', (env) => {
  test('every stateful resource of the data tier has its pinned logical id and type', () => {
    const actual = Object.fromEntries(
      Object.entries(statefulResources(before[env])).map(([id, r]) => [id, r.Type]),
    );
    expect(actual).toEqual(PINNED[env]);
  });

  test('data is snapshotted or retained, never deleted; key, secrets and subnet groups are retained; replicas are deleted', () => {
    // "Retain" is RetainExceptOnCreate everywhere: plain Retain also keeps what a failed first
    // create rolled back, and the fixed names then fail the retry with AlreadyExists.
    const expectedInstancePolicy = env === 'prod' ? 'RetainExceptOnCreate' : 'Snapshot';
    for (const [id, r] of Object.entries(statefulResources(before[env]))) {
      const replica = id.startsWith('DatabaseReplica');
      const holdsData = r.Type === 'AWS::RDS::DBInstance' || r.Type === 'AWS::ElastiCache::ReplicationGroup';
      // Replicas hold no data of their own: lowering database.readReplicas must delete them.
      const expected = replica ? 'Delete' : holdsData ? expectedInstancePolicy : 'RetainExceptOnCreate';
      // UpdateReplacePolicy has no RetainExceptOnCreate: a replacement is never a create rollback.
      const onReplace = expected === 'RetainExceptOnCreate' ? 'Retain' : expected;
      expect([id, r.DeletionPolicy, r.UpdateReplacePolicy]).toEqual([id, expected, onReplace]);
    }
  });

  test('no resource with a fixed physical name is plain Retain (a failed first create must be retryable)', () => {
    const resources = before[env].toJSON().Resources as Record<string, Resource>;
    const retained = Object.entries(resources)
      .filter(([, r]) => r.DeletionPolicy === 'Retain')
      .map(([id, r]) => [id, r.Type]);
    // Only the access-log bucket, which has a generated name (a retry creates a new one) and, once
    // the load balancer has written to it, could not be deleted by a rollback anyway.
    expect(retained).toEqual([[expect.stringMatching(/^ServiceAccessLogs/), 'AWS::S3::Bucket']]);
  });

  test('the primary is deletion-protected in prod only', () => {
    const primary = statefulResources(before[env]).DatabasePrimaryEDE0B3D0;
    expect(primary.Properties!.DeletionProtection).toBe(env === 'prod');
  });

  test('WHEN instance classes, replica count, backup window and slow-query threshold change THEN no stateful resource is replaced', () => {
    const old = statefulResources(before[env]);
    const now = statefulResources(after[env]);
    for (const [id, resource] of Object.entries(old)) {
      // same logical id, same type, same removal policy, same replacement-causing properties
      expect(now[id]).toBeDefined();
      expect([id, now[id].Type, now[id].DeletionPolicy, now[id].UpdateReplacePolicy]).toEqual([
        id,
        resource.Type,
        resource.DeletionPolicy,
        resource.UpdateReplacePolicy,
      ]);
      expect([id, replacing(now[id])]).toEqual([id, replacing(resource)]);
    }
    // Key, secrets and subnet groups do not change at all.
    for (const [id, resource] of Object.entries(old)) {
      if (!['AWS::RDS::DBInstance', 'AWS::ElastiCache::ReplicationGroup'].includes(resource.Type)) {
        expect([id, now[id].Properties]).toEqual([id, resource.Properties]);
      }
    }
  });

  test('AND the changes did take effect in place (so the test above compared something)', () => {
    const old = statefulResources(before[env]);
    const now = statefulResources(after[env]);
    const primary = 'DatabasePrimaryEDE0B3D0';
    expect(now[primary].Properties!.DBInstanceClass).not.toEqual(old[primary].Properties!.DBInstanceClass);
    expect(now[primary].Properties!.PreferredBackupWindow).not.toEqual(
      old[primary].Properties!.PreferredBackupWindow,
    );
    // Only the properties the change names differ on the primary.
    const changedKeys = Object.keys({ ...old[primary].Properties, ...now[primary].Properties }).filter(
      (k) => JSON.stringify(old[primary].Properties![k]) !== JSON.stringify(now[primary].Properties![k]),
    );
    expect(changedKeys.sort()).toEqual(['DBInstanceClass', 'PreferredBackupWindow']);
    // The existing replicas keep their ids and gain the new class; one more replica is added.
    const replicas = (t: Record<string, Resource>) =>
      Object.keys(t)
        .filter((id) => id.startsWith('DatabaseReplica'))
        .sort();
    expect(replicas(now)).toEqual(expect.arrayContaining(replicas(old)));
    expect(replicas(now)).toHaveLength(replicas(old).length + 1);
    const replica1 = 'DatabaseReplica1ED560A1F';
    expect(now[replica1].Properties!.DBInstanceClass).not.toEqual(old[replica1].Properties!.DBInstanceClass);
    // The cache changes node type and node count in place.
    const cache = 'CacheReplicationGroupBFE59FF3';
    expect(now[cache].Properties!.CacheNodeType).not.toEqual(old[cache].Properties!.CacheNodeType);
    expect(now[cache].Properties!.NumCacheClusters).toBe(
      (old[cache].Properties!.NumCacheClusters as number) + 1,
    );
    // The slow-query threshold changed on the (separate) parameter group, not on the instance.
    const threshold = (t: Template) =>
      Object.values(t.findResources('AWS::RDS::DBParameterGroup'))[0].Properties.Parameters
        .log_min_duration_statement;
    expect(threshold(after[env])).not.toEqual(threshold(before[env]));
  });
});
