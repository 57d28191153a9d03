import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { deepMerge, validateEnvironment } from '../lib/config/load';
import { PRESETS } from '../lib/config/presets';
import { Database, PRIMARY_PREFERRED_ZONE_INDEX, replicaAvailabilityZone } from '../lib/database';
import { Network } from '../lib/network';
import { constructTestApp, presets, resourcesOf, singleResource, stackName } from './helpers';

// GIVEN the dev and prod presets, synthesized once for the whole run (validators included)
const { templates } = presets();
const ENVS = ['dev', 'prod'] as const;

/**
 * GIVEN a config variant of a preset, WHEN only the network and the Database construct are built
 * (no validators, no other tiers: a few hundred milliseconds), THEN its template and construct.
 */
function databaseOnly(env: 'dev' | 'prod', overrides: Record<string, unknown>) {
  const config = validateEnvironment(env, deepMerge(PRESETS[env] as never, overrides as never));
  const stack = new Stack(constructTestApp(), stackName(env));
  const network = new Network(stack, 'Network', { config: config.network });
  const database = new Database(stack, 'Database', { vpc: network.vpc, config: config.database });
  return { database, template: Template.fromStack(stack, { skipCyclicalDependenciesCheck: true }) };
}

const primaryOf = (t: Template) => singleResource(t, 'AWS::RDS::DBInstance', 'DatabasePrimary');
/** The secret attachment (the secret's id with host and port) of the master or the service's user. */
const attachmentOf = (t: Template, user: 'master' | 'app') =>
  singleResource(
    t,
    'AWS::SecretsManager::SecretTargetAttachment',
    user === 'master' ? 'DatabasePrimarySecretAttachment' : 'DatabaseAppSecretAttachment',
  );
const replicasOf = (t: Template) =>
  resourcesOf(t, 'AWS::RDS::DBInstance').filter(([id]) => /^DatabaseReplica\d+/.test(id));

describe('primary', () => {
  test.each([
    ['dev', 'db.t4g.micro', false, 3, false, 7],
    ['prod', 'db.r7g.large', true, 14, true, 31],
  ] as const)(
    '%s: PostgreSQL 17 on Graviton %s, multiAz %s, %d days of backups, deletion protection %s, PI %d days',
    (env, instanceClass, multiAz, backupDays, deletionProtection, piDays) => {
      // WHEN the preset is synthesized
      const [, primary] = primaryOf(templates[env]);
      // THEN the primary has the preset's size and safety settings
      expect(primary.Properties).toMatchObject({
        Engine: 'postgres',
        EngineVersion: '17',
        DBInstanceClass: instanceClass,
        MultiAZ: multiAz,
        BackupRetentionPeriod: backupDays,
        DeletionProtection: deletionProtection,
        EnablePerformanceInsights: true,
        PerformanceInsightsRetentionPeriod: piDays,
        PubliclyAccessible: false,
        EnableIAMDatabaseAuthentication: true,
        Port: '5432',
        DBName: 'app',
        MasterUsername: 'app_admin',
      });
    },
  );

  test.each([
    ['dev', '20', 100],
    ['prod', '100', 1000],
  ] as const)(
    '%s: gp3 storage of %s GiB autoscaling up to %d GiB, encrypted with a rotating KMS key',
    (env, size, max) => {
      const t = templates[env];
      const [keyId, key] = singleResource(t, 'AWS::KMS::Key', 'DatabaseStorageKey');
      expect(key.Properties!.EnableKeyRotation).toBe(true);
      const [, primary] = primaryOf(t);
      expect(primary.Properties).toMatchObject({
        StorageType: 'gp3',
        AllocatedStorage: size,
        MaxAllocatedStorage: max,
        StorageEncrypted: true,
        KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
        PerformanceInsightsKMSKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
    },
  );

  test.each(ENVS)('%s: instances live in the isolated subnets only', (env) => {
    const t = templates[env];
    const [groupId, group] = singleResource(t, 'AWS::RDS::DBSubnetGroup', 'DatabaseSubnetGroup');
    const subnets = group.Properties!.SubnetIds as { Ref: string }[];
    expect(subnets.length).toBeGreaterThanOrEqual(2);
    for (const s of subnets) expect(s.Ref).toMatch(/^NetworkVpcIsolatedSubnet\d+Subnet/);
    for (const [, instance] of [primaryOf(t), ...replicasOf(t)]) {
      expect(instance.Properties!.DBSubnetGroupName).toEqual({ Ref: groupId });
    }
  });

  test.each([
    ['dev', 30],
    ['prod', 365],
  ] as const)('%s: PostgreSQL logs are exported to log groups kept %d days', (env, days) => {
    const t = templates[env];
    const [primaryId, primary] = primaryOf(t);
    expect(primary.Properties!.EnableCloudwatchLogsExports).toEqual(['postgresql', 'upgrade']);
    // The log group exists before the instance writes to it, with our retention.
    const [logId, log] = singleResource(t, 'AWS::Logs::LogGroup', 'DatabasePrimaryPostgresLogs');
    expect(log.Properties).toMatchObject({
      LogGroupName: `/aws/rds/instance/scalablebackend-${env}-primary/postgresql`,
      RetentionInDays: days,
    });
    expect(t.toJSON().Resources[primaryId].DependsOn).toContain(logId);
  });

  test('enhanced monitoring is on in prod (60 s) and off in dev', () => {
    expect(primaryOf(templates.prod)[1].Properties!.MonitoringInterval).toBe(60);
    expect(primaryOf(templates.prod)[1].Properties!.MonitoringRoleArn).toBeDefined();
    expect(primaryOf(templates.dev)[1].Properties!.MonitoringInterval).toBeUndefined();
    expect(
      resourcesOf(templates.dev, 'AWS::IAM::Role').filter(([id]) => id.startsWith('DatabaseMonitoring')),
    ).toEqual([]);
  });
});

describe('parameter group', () => {
  test.each([
    ['dev', '500'],
    ['prod', '250'],
  ] as const)(
    '%s: forces TLS, logs statements slower than %s ms, loads pg_stat_statements',
    (env, threshold) => {
      const t = templates[env];
      const [groupId, group] = singleResource(t, 'AWS::RDS::DBParameterGroup', 'DatabaseParameterGroup');
      expect(group.Properties).toMatchObject({
        Family: 'postgres17',
        Parameters: {
          'rds.force_ssl': '1',
          log_min_duration_statement: threshold,
          shared_preload_libraries: 'pg_stat_statements',
        },
      });
      // Primary and every replica use it, so slow reads are logged too.
      for (const [, instance] of [primaryOf(t), ...replicasOf(t)]) {
        expect(instance.Properties!.DBParameterGroupName).toEqual({ Ref: groupId });
      }
    },
  );

  test('the family follows the configured major version', () => {
    const { template } = databaseOnly('dev', { database: { engineVersion: '16.9' } });
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', { Family: 'postgres16' });
    template.hasResourceProperties('AWS::RDS::DBInstance', { EngineVersion: '16.9' });
  });
});

describe('read replicas', () => {
  test.each([
    ['dev', 1, 'db.t4g.micro'],
    ['prod', 2, 'db.r7g.large'],
  ] as const)(
    '%s: %d replica(s) of the primary on %s, encrypted with the same key',
    (env, count, instanceClass) => {
      const t = templates[env];
      const [primaryId, primary] = primaryOf(t);
      const replicas = replicasOf(t);
      // THEN ids are Replica1..N, so adding one never renames the others
      expect(replicas.map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual(
        Array.from({ length: count }, (_, i) => `DatabaseReplica${i + 1}`),
      );
      for (const [, replica] of replicas) {
        expect(replica.Properties).toMatchObject({
          DBInstanceClass: instanceClass,
          KmsKeyId: primary.Properties!.KmsKeyId,
          StorageType: 'gp3',
          PubliclyAccessible: false,
          SourceDBInstanceIdentifier: { 'Fn::Join': ['', expect.arrayContaining([{ Ref: primaryId }])] },
        });
        // Inherited from the source; CloudFormation rejects it next to SourceDBInstanceIdentifier.
        expect(replica.Properties!.StorageEncrypted).toBeUndefined();
      }
    },
  );

  test('replicas take their own instance class when configured', () => {
    const { template } = databaseOnly('dev', { database: { replicaInstanceClass: 'r7g.large' } });
    expect(replicasOf(template).map(([, r]) => r.Properties!.DBInstanceClass)).toEqual(['db.r7g.large']);
    expect(primaryOf(template)[1].Properties!.DBInstanceClass).toBe('db.t4g.micro');
  });

  test.each(ENVS)(
    '%s: one reader name with an equal-weight CNAME per replica, in a private zone of the VPC',
    (env) => {
      const t = templates[env];
      const [zoneId, zone] = singleResource(t, 'AWS::Route53::HostedZone', 'DatabasePrivateZone');
      expect(zone.Properties).toMatchObject({
        Name: `scalablebackend-${env}.internal.`,
        VPCs: [{ VPCId: { Ref: expect.stringMatching(/^NetworkVpc/) } }],
      });
      const records = resourcesOf(t, 'AWS::Route53::RecordSet').filter(([id]) =>
        id.startsWith('DatabaseReaderRecord'),
      );
      const replicaIds = replicasOf(t).map(([id]) => id);
      expect(records).toHaveLength(replicaIds.length);
      for (const [, record] of records) {
        expect(record.Properties).toMatchObject({
          HostedZoneId: { Ref: zoneId },
          Name: `db-reader.scalablebackend-${env}.internal.`,
          Type: 'CNAME',
          Weight: 1,
          TTL: '10',
        });
      }
      expect(
        records.map(
          ([, r]) => (r.Properties!.ResourceRecords as { 'Fn::GetAtt': string[] }[])[0]['Fn::GetAtt'],
        ),
      ).toEqual(replicaIds.map((id) => [id, 'Endpoint.Address']));
    },
  );

  test('without replicas the reader name points at the proxy, and no replica group exists', () => {
    // GIVEN dev with readReplicas 0
    const { template, database } = databaseOnly('dev', { database: { readReplicas: 0 } });
    // THEN reads still resolve (to the writer), and the contract keeps its shape
    expect(replicasOf(template)).toEqual([]);
    const [proxyId] = singleResource(template, 'AWS::RDS::DBProxy', 'DatabaseProxy');
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'db-reader.scalablebackend-dev.internal.',
      Type: 'CNAME',
      ResourceRecords: [{ 'Fn::GetAtt': [proxyId, 'Endpoint'] }],
      // weighted like the replica records, so going from 0 to 1 replica can add one next to it
      Weight: 1,
      SetIdentifier: 'writer',
    });
    expect(database.replicaSecurityGroup).toBeUndefined();
    expect(database.environment.DB_REPLICA_HOSTS).toBe('');
    expect(database.environment.DB_READER_HOST).toBe('db-reader.scalablebackend-dev.internal');
  });
});

describe('replica zones', () => {
  // Replica by replica (logical ids DatabaseReplica<n><8-char hash>), whatever order the template uses
  const zoneOf = (t: Template) =>
    replicasOf(t)
      .map(
        ([id, r]) =>
          [Number(id.slice(0, -8).replace('DatabaseReplica', '')), r.Properties!.AvailabilityZone] as const,
      )
      .sort(([a], [b]) => a - b)
      .map(([, zone]) => zone);
  const getAz = (i: number) => ({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] });

  test('prod: the two replicas sit in different zones, neither in the primary’s preferred zone', () => {
    // WHEN prod (three zones from Fn::GetAZs, Multi-AZ primary without a zone of its own) is synthesized
    const zones = zoneOf(templates.prod);
    // THEN replica 1 and 2 take zones 1 and 2, round-robin after the primary's preferred zone 0
    expect(PRIMARY_PREFERRED_ZONE_INDEX).toBe(0);
    expect(zones).toEqual([getAz(1), getAz(2)]);
    expect(new Set(zones.map((z) => JSON.stringify(z))).size).toBe(2);
    // AND the primary carries none (RDS refuses AvailabilityZone on a Multi-AZ instance)
    expect(primaryOf(templates.prod)[1].Properties).not.toHaveProperty('AvailabilityZone');
  });

  test('adding replicas never moves the existing ones; zones repeat only past the zone count', () => {
    // GIVEN the Database alone in a plain stack (two zones from Fn::GetAZs) with 1, 2, then 5 replicas
    const zones = [1, 2, 5].map((n) =>
      zoneOf(databaseOnly('prod', { database: { readReplicas: n } }).template),
    );
    // THEN every replica keeps its zone when more are added (a moved replica is replaced)
    expect(zones[1].slice(0, 1)).toEqual(zones[0]);
    expect(zones[2].slice(0, 2)).toEqual(zones[1]);
    // AND two replicas in two zones are apart; from the third on they take turns
    expect(zones[1]).toEqual([getAz(1), getAz(0)]);
    expect(zones[2]).toEqual([getAz(1), getAz(0), getAz(1), getAz(0), getAz(1)]);
  });

  test('pinned zones give literal names, in the same order', () => {
    // GIVEN prod pinned to three named zones
    const { template } = databaseOnly('prod', {
      network: { availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] },
    });
    // THEN the replicas take the second and third of them
    expect(zoneOf(template)).toEqual(['eu-west-1b', 'eu-west-1c']);
  });

  test('the zone rule itself: round-robin from the zone after the preferred one, and bad input fails', () => {
    const zones = ['a', 'b', 'c'];
    expect([1, 2, 3, 4, 5, 6].map((n) => replicaAvailabilityZone(zones, n))).toEqual([
      'b',
      'c',
      'a',
      'b',
      'c',
      'a',
    ]);
    expect(() => replicaAvailabilityZone(zones, 0)).toThrow(/replica number 0 must be >= 1/);
    expect(() => replicaAvailabilityZone([], 1)).toThrow(/no availability zones/);
  });
});

describe('RDS Proxy', () => {
  test.each([
    ['dev', 1800, 90, 50, 120],
    ['prod', 1800, 90, 50, 120],
  ] as const)(
    '%s: TLS required, secret auth without IAM, idle timeout %d s, %d%% max connections',
    (env, idle, maxPercent, idlePercent, borrow) => {
      const t = templates[env];
      const [proxyId, proxy] = singleResource(t, 'AWS::RDS::DBProxy', 'DatabaseProxy');
      const [masterId] = attachmentOf(t, 'master');
      const [appId] = attachmentOf(t, 'app');
      // Both users through the proxy: the master for administration, the service's user for the tasks.
      const auth = (secret: string) => ({
        AuthScheme: 'SECRETS',
        IAMAuth: 'DISABLED',
        SecretArn: { Ref: secret },
      });
      expect(proxy.Properties).toMatchObject({
        EngineFamily: 'POSTGRESQL',
        RequireTLS: true,
        DebugLogging: false,
        IdleClientTimeout: idle,
        Auth: [auth(masterId), auth(appId)],
      });
      for (const s of proxy.Properties!.VpcSubnetIds as { Ref: string }[]) {
        expect(s.Ref).toMatch(/^NetworkVpcIsolatedSubnet/);
      }
      // The target is the primary, with the configured pool limits.
      const [primaryId] = primaryOf(t);
      t.hasResourceProperties('AWS::RDS::DBProxyTargetGroup', {
        DBProxyName: { Ref: proxyId },
        DBInstanceIdentifiers: [{ Ref: primaryId }],
        ConnectionPoolConfigurationInfo: {
          MaxConnectionsPercent: maxPercent,
          MaxIdleConnectionsPercent: idlePercent,
          ConnectionBorrowTimeout: borrow,
        },
      });
    },
  );
});

describe('names CloudWatch addresses', () => {
  test.each(ENVS)('%s: the proxy has a fixed lower-case name, and its metrics are addressed by it', (env) => {
    // GIVEN the preset WHEN synthesized
    const t = templates[env];
    const [proxyId, proxy] = singleResource(t, 'AWS::RDS::DBProxy', 'DatabaseProxy');
    // THEN the name is pinned: RDS stores proxy names in lower case while Ref returns the name as
    // submitted, so a mixed-case name leaves every ProxyName dimension without data; and changing
    // DBProxyName replaces the proxy, so it must never drift
    expect(proxy.Properties!.DBProxyName).toBe(`scalablebackend-${env}-proxy`);
    // AND every alarm dimension that names the proxy, a DB instance or a cache node resolves to a
    // lower-case name (a literal, or a Ref to a resource whose name is a lower-case literal)
    const resources = t.toJSON().Resources as Record<string, { Properties?: Record<string, unknown> }>;
    const nameOf: Record<string, string> = {
      ProxyName: 'DBProxyName',
      DBInstanceIdentifier: 'DBInstanceIdentifier',
    };
    const seen: string[] = [];
    for (const [, alarm] of resourcesOf(t, 'AWS::CloudWatch::Alarm')) {
      const p = alarm.Properties!;
      const metrics = [
        p,
        ...((p.Metrics as { MetricStat?: { Metric: Record<string, unknown> } }[] | undefined) ?? []).map(
          (m) => m.MetricStat?.Metric ?? {},
        ),
      ];
      for (const m of metrics) {
        for (const d of (m.Dimensions as { Name: string; Value: unknown }[] | undefined) ?? []) {
          if (!['ProxyName', 'DBInstanceIdentifier', 'CacheClusterId', 'ReplicationGroupId'].includes(d.Name))
            continue;
          const ref = (d.Value as { Ref?: string }).Ref;
          const value = ref ? resources[ref].Properties![nameOf[d.Name]] : d.Value;
          expect([d.Name, value]).toEqual([d.Name, expect.stringMatching(/^[a-z0-9-]+$/)]);
          seen.push(d.Name);
        }
      }
    }
    expect(new Set(seen)).toEqual(new Set(['ProxyName', 'DBInstanceIdentifier', 'CacheClusterId']));
    expect(proxyId).toMatch(/^DatabaseProxy/);
  });
});

describe('removal: a failed first create can be retried; replicas go when they leave the config', () => {
  test.each([
    ['dev', 'Snapshot', 'Delete'],
    ['prod', 'RetainExceptOnCreate', 'RetainExceptOnCreate'],
  ] as const)(
    '%s: the primary is %s, its log groups %s, and it keeps its automated backups',
    (env, instancePolicy, logPolicy) => {
      const t = templates[env];
      const [, primary] = primaryOf(t);
      expect([primary.DeletionPolicy, primary.UpdateReplacePolicy]).toEqual([
        instancePolicy,
        instancePolicy === 'RetainExceptOnCreate' ? 'Retain' : instancePolicy,
      ]);
      // Deleting the instance (or a stack delete) keeps the point-in-time backups.
      expect(primary.Properties!.DeleteAutomatedBackups).toBe(false);
      for (const [, group] of resourcesOf(t, 'AWS::Logs::LogGroup').filter(([id]) =>
        id.startsWith('DatabasePrimary'),
      )) {
        expect(group.DeletionPolicy).toBe(logPolicy);
      }
    },
  );

  test.each(ENVS)('%s: replicas and their log groups are deleted, never retained', (env) => {
    const t = templates[env];
    const replicas = replicasOf(t);
    expect(replicas.length).toBeGreaterThan(0);
    for (const [, replica] of replicas) {
      expect([replica.DeletionPolicy, replica.UpdateReplacePolicy]).toEqual(['Delete', 'Delete']);
    }
    const replicaLogs = resourcesOf(t, 'AWS::Logs::LogGroup').filter(([id]) =>
      id.startsWith('DatabaseReplica'),
    );
    expect(replicaLogs).toHaveLength(replicas.length * 2);
    for (const [, group] of replicaLogs) expect(group.DeletionPolicy).toBe('Delete');
  });
});

describe('master secret and rotation', () => {
  test.each(ENVS)(
    '%s: the generated secret rotates every 30 days through a function in the private subnets',
    (env) => {
      const t = templates[env];
      const [attachmentId] = attachmentOf(t, 'master');
      t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        SecretId: { Ref: attachmentId },
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
        // not during the deployment that starts the tasks
        RotateImmediatelyOnUpdate: false,
      });
      const [, app] = singleResource(t, 'AWS::Serverless::Application', 'DatabasePrimaryRotationSingleUser');
      const subnets = JSON.stringify((app.Properties!.Parameters as Record<string, unknown>).vpcSubnetIds);
      expect(subnets).toMatch(/NetworkVpcPrivateSubnet/);
      expect(subnets).not.toMatch(/Isolated/);
    },
  );

  test.each(ENVS)(
    '%s: the master keeps single-user rotation; the service secret rotates with alternating users as the master',
    (env) => {
      const t = templates[env];
      const [masterId] = attachmentOf(t, 'master');
      const [appId] = attachmentOf(t, 'app');
      const [, single] = singleResource(
        t,
        'AWS::Serverless::Application',
        'DatabasePrimaryRotationSingleUser',
      );
      const [multiId, multi] = singleResource(
        t,
        'AWS::Serverless::Application',
        'DatabasePrimaryAppSecretRotation',
      );
      // The multi-user function logs in as the master (masterSecretArn) to set the other user's password.
      expect(multi.Properties!.Parameters).toMatchObject({ masterSecretArn: { Ref: masterId } });
      expect(single.Properties!.Parameters).not.toHaveProperty('masterSecretArn');
      const mapping = Object.values(
        t.toJSON().Mappings as Record<string, Record<string, { applicationId: string }>>,
      )
        .flatMap((m) => (m.aws?.applicationId ? [m.aws.applicationId] : []))
        .sort();
      expect(mapping).toEqual([
        'arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationMultiUser',
        'arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser',
      ]);
      // Same period, never at deployment time; the app schedule waits for the roles to exist.
      const [scheduleId, schedule] = resourcesOf(t, 'AWS::SecretsManager::RotationSchedule').find(
        ([, r]) => JSON.stringify(r.Properties!.SecretId) === JSON.stringify({ Ref: appId }),
      )!;
      expect(schedule.Properties).toMatchObject({
        RotationLambdaARN: { 'Fn::GetAtt': [multiId, 'Outputs.RotationLambdaARN'] },
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
        RotateImmediatelyOnUpdate: false,
      });
      expect(t.toJSON().Resources[scheduleId].DependsOn).toEqual([
        singleResource(t, 'Custom::DatabaseAppRole', 'DatabaseAppRole')[0],
      ]);
    },
  );

  test.each(ENVS)(
    '%s: the service secret holds its own user, the database and the master ARN; kept with the data',
    (env) => {
      const t = templates[env];
      const [masterId] = attachmentOf(t, 'master');
      const [appSecretId, appSecret] = singleResource(t, 'AWS::SecretsManager::Secret', 'DatabaseAppSecret');
      const generate = appSecret.Properties!.GenerateSecretString as Record<string, unknown>;
      expect(generate.GenerateStringKey).toBe('password');
      expect(generate.SecretStringTemplate).toEqual({
        'Fn::Join': ['', ['{"username":"app","dbname":"app","masterarn":"', { Ref: masterId }, '"}']],
      });
      expect(appSecret.DeletionPolicy).toBe('RetainExceptOnCreate');
      t.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', {
        SecretId: { Ref: appSecretId },
        TargetType: 'AWS::RDS::DBInstance',
        TargetId: { Ref: primaryOf(t)[0] },
      });
    },
  );

  test('appUsername flows into the secret and the provisioning', () => {
    const { template } = databaseOnly('dev', { database: { appUsername: 'orders_svc' } });
    const [, secret] = singleResource(template, 'AWS::SecretsManager::Secret', 'DatabaseAppSecret');
    expect(JSON.stringify(secret.Properties!.GenerateSecretString)).toContain(
      '\\"username\\":\\"orders_svc\\"',
    );
    template.hasResourceProperties('Custom::DatabaseAppRole', { AppUsername: 'orders_svc' });
  });

  test('rotationDays 0 (the local preset) creates no rotation', () => {
    const { template } = databaseOnly('dev', { database: { rotationDays: 0 } });
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    template.resourceCountIs('AWS::Serverless::Application', 0);
  });
});

describe('container contract of the database', () => {
  test('environment and secret names are exactly the documented ones', () => {
    const { database } = databaseOnly('prod', {});
    expect(Object.keys(database.environment).sort()).toEqual(
      ['DB_NAME', 'DB_PORT', 'DB_READER_HOST', 'DB_REPLICA_HOSTS', 'DB_SSL', 'DB_WRITER_HOST'].sort(),
    );
    expect(database.environment).toMatchObject({ DB_PORT: '5432', DB_NAME: 'app', DB_SSL: 'require' });
    expect(Object.keys(database.secrets).sort()).toEqual(['DB_PASSWORD', 'DB_USERNAME']);
    expect(database.replicas).toHaveLength(2);
  });
});
