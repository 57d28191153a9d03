import { reviewTemplates } from '../../../bin/review/classify';
import { statefulKind } from '../../../bin/review/stateful';
import { DEV, devTemplate, FIXTURE, PRIMARY, REPLICA } from './fixture';

describe('reviewTemplates: the data-safety gate', () => {
  test('GIVEN the same templates THEN there are no differences and nothing is blocked', () => {
    const review = reviewTemplates({ [DEV]: devTemplate() }, { [DEV]: devTemplate() });

    expect(review.hasDifferences).toBe(false);
    expect(review.stacks.map((s) => s.status)).toEqual(['unchanged']);
    expect(review.blocked).toEqual([]);
  });

  test('GIVEN the database name changes THEN the primary is replaced and the gate names stack, id, type and DBName', () => {
    const head = devTemplate((r) => (r[PRIMARY].Properties.DBName = 'other'));

    const review = reviewTemplates({ [DEV]: devTemplate() }, { [DEV]: head });

    expect(review.blocked).toEqual([
      {
        stackName: DEV,
        logicalId: PRIMARY,
        resourceType: 'AWS::RDS::DBInstance',
        kind: 'primary database instance',
        action: 'replace',
        replacingProperties: [{ name: 'DBName', certainty: 'requires' }],
        acknowledged: false,
      },
    ]);
    expect(review.stacks[0].counts.replaced).toBeGreaterThanOrEqual(1);
  });

  test('GIVEN a second read replica is added THEN the gate passes', () => {
    const head = devTemplate((r) => (r.DatabaseReplica2AAAAAAAA = JSON.parse(JSON.stringify(r[REPLICA]))));

    const review = reviewTemplates({ [DEV]: devTemplate() }, { [DEV]: head });

    expect(review.stacks[0].counts).toEqual({ added: 1, removed: 0, replaced: 0, modified: 0 });
    expect(review.statefulChanges).toEqual([]);
  });

  test('GIVEN the only read replica is removed (replica count 1 -> 0) THEN the gate passes', () => {
    const head = devTemplate((r) => delete r[REPLICA]);

    const review = reviewTemplates({ [DEV]: devTemplate() }, { [DEV]: head });

    expect(review.stacks[0].counts.removed).toBe(1);
    expect(review.blocked).toEqual([]);
  });

  test('GIVEN a read replica is replaced (new instance identifier) THEN the gate passes', () => {
    const head = devTemplate((r) => (r[REPLICA].Properties.DBInstanceIdentifier = 'renamed-replica'));

    const review = reviewTemplates({ [DEV]: devTemplate() }, { [DEV]: head });

    expect(review.stacks[0].counts.replaced).toBe(1);
    expect(review.blocked).toEqual([]);
  });

  test('GIVEN only in-place changes (maximum task count) THEN the gate passes and counts one modification', () => {
    const head = devTemplate((r) => (r.ServiceTaskCountTargetDF7542A8.Properties.MaxCapacity = 6));

    const review = reviewTemplates({ [DEV]: devTemplate() }, { [DEV]: head });

    expect(review.stacks[0]).toMatchObject({
      status: 'changed',
      counts: { added: 0, removed: 0, replaced: 0, modified: 1 },
    });
    expect(review.blocked).toEqual([]);
  });

  test('GIVEN a stack new in the change THEN it is reported as new and the gate passes', () => {
    const review = reviewTemplates(
      { [DEV]: devTemplate() },
      { [DEV]: devTemplate(), 'ScalableBackend-prod': devTemplate() },
    );

    const prod = review.stacks.find((s) => s.stackName === 'ScalableBackend-prod');
    expect(prod?.status).toBe('new');
    expect(prod?.counts.added).toBe(Object.keys(FIXTURE.Resources ?? {}).length);
    expect(review.blocked).toEqual([]);
  });

  test('GIVEN the replication group is removed THEN the gate fails and says it is deleted', () => {
    const head = devTemplate((r) => delete r.CacheReplicationGroupBFE59FF3);

    const review = reviewTemplates({ [DEV]: devTemplate() }, { [DEV]: head });

    expect(review.blocked).toEqual([
      expect.objectContaining({
        logicalId: 'CacheReplicationGroupBFE59FF3',
        resourceType: 'AWS::ElastiCache::ReplicationGroup',
        action: 'destroy',
      }),
    ]);
  });

  test('GIVEN a retained log group is removed THEN the gate fails (orphaned); a non-retained one passes', () => {
    const retained = reviewTemplates(
      { [DEV]: devTemplate() },
      { [DEV]: devTemplate((r) => delete r.ServiceLogs205D48C6) },
    );
    const deleted = reviewTemplates(
      { [DEV]: devTemplate() },
      { [DEV]: devTemplate((r) => delete r.ScalingAdvisorLogs4A442D71) },
    );

    expect(retained.blocked).toEqual([
      expect.objectContaining({
        logicalId: 'ServiceLogs205D48C6',
        kind: 'retained log group',
        action: 'orphan',
      }),
    ]);
    expect(deleted.blocked).toEqual([]);
  });

  test('GIVEN a stateful resource changes its logical id THEN the old one counts as removed', () => {
    const head = devTemplate((r) => {
      r.CacheAuthTokenRenamed = r.CacheAuthToken04672416;
      delete r.CacheAuthToken04672416;
    });

    const review = reviewTemplates({ [DEV]: devTemplate() }, { [DEV]: head });

    expect(review.blocked).toEqual([
      expect.objectContaining({ logicalId: 'CacheAuthToken04672416', kind: 'secret', action: 'orphan' }),
    ]);
  });

  test('GIVEN a stack disappears THEN every stateful resource in it is a removal', () => {
    const review = reviewTemplates({ [DEV]: devTemplate() }, {});

    expect(review.stacks[0].status).toBe('removed');
    expect(review.blocked.map((c) => c.logicalId).sort()).toEqual(
      [
        PRIMARY,
        'CacheAuthToken04672416',
        'CacheReplicationGroupBFE59FF3',
        'DatabaseStorageKey6003D257',
        'ScalableBackenddevDatabasePrimarySecretAA9730173fdaad7efa858a3daf9490cf0a702aeb',
        'ServiceAccessLogsC4D1116F',
        'ServiceLogs205D48C6',
      ].sort(),
    );
  });

  test('GIVEN the replacement is acknowledged with --allow-replace THEN the gate passes and lists it as acknowledged', () => {
    const head = devTemplate((r) => (r[PRIMARY].Properties.DBName = 'other'));

    const byId = reviewTemplates({ [DEV]: devTemplate() }, { [DEV]: head }, [PRIMARY]);
    const byStack = reviewTemplates({ [DEV]: devTemplate() }, { [DEV]: head }, [`${DEV}/${PRIMARY}`]);

    for (const review of [byId, byStack]) {
      expect(review.blocked).toEqual([]);
      expect(review.statefulChanges).toEqual([
        expect.objectContaining({ logicalId: PRIMARY, acknowledged: true }),
      ]);
      expect(review.unusedAllowances).toEqual([]);
    }
  });

  test('GIVEN an allowance for another stack or a typo THEN the gate still fails and the allowance is reported unused', () => {
    const head = devTemplate((r) => (r[PRIMARY].Properties.DBName = 'other'));

    const review = reviewTemplates({ [DEV]: devTemplate() }, { [DEV]: head }, [
      `ScalableBackend-prod/${PRIMARY}`,
      'DatabasePrimary',
    ]);

    expect(review.blocked.map((c) => c.logicalId)).toEqual([PRIMARY]);
    expect(review.unusedAllowances).toEqual([`ScalableBackend-prod/${PRIMARY}`, 'DatabasePrimary']);
  });

  test('GIVEN the storage key is replaced (type change) THEN the gate names the key and the primary encrypted with it', () => {
    const head = devTemplate((r) => (r.DatabaseStorageKey6003D257.Type = 'AWS::KMS::ReplicaKey'));

    const review = reviewTemplates({ [DEV]: devTemplate() }, { [DEV]: head });

    expect(review.blocked).toEqual([
      expect.objectContaining({
        logicalId: PRIMARY,
        action: 'replace',
        replacingProperties: expect.arrayContaining([{ name: 'KmsKeyId', certainty: 'requires' }]),
      }),
      expect.objectContaining({
        logicalId: 'DatabaseStorageKey6003D257',
        resourceType: 'AWS::KMS::Key',
        kind: 'KMS key',
        action: 'replace',
        replacingProperties: [{ name: 'Type', certainty: 'requires' }],
      }),
      // AND the replica, replaced too, keeps its fixed identifier: CloudFormation cannot create the
      // new one next to the old one (a conflict on itself)
      expect.objectContaining({
        logicalId: REPLICA,
        otherLogicalId: REPLICA,
        action: 'conflict',
        detail: 'AWS::RDS::DBInstance DBInstanceIdentifier scalablebackend-dev-replica-1',
      }),
    ]);
  });
});

describe('statefulKind', () => {
  test.each([
    [{ Type: 'AWS::RDS::DBInstance', Properties: { DBName: 'app' } }, 'primary database instance'],
    [{ Type: 'AWS::RDS::DBInstance', Properties: { SourceDBInstanceIdentifier: 'arn:x' } }, undefined],
    [{ Type: 'AWS::ElastiCache::ReplicationGroup' }, 'cache replication group'],
    [{ Type: 'AWS::SecretsManager::Secret' }, 'secret'],
    [{ Type: 'AWS::KMS::Key', DeletionPolicy: 'Delete' }, 'KMS key'],
    [{ Type: 'AWS::S3::Bucket' }, 'S3 bucket'],
    [{ Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Retain' }, 'retained log group'],
    [{ Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'RetainExceptOnCreate' }, 'retained log group'],
    [{ Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Delete' }, undefined],
    [{ Type: 'AWS::Logs::LogGroup' }, undefined],
    [{ Type: 'AWS::RDS::DBSubnetGroup', DeletionPolicy: 'Retain' }, undefined],
    [{ Type: 'AWS::ECS::TaskDefinition' }, undefined],
  ])('GIVEN %j THEN it is %s', (resource, kind) => {
    expect(statefulKind(resource)).toBe(kind);
  });
});
