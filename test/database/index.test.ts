import { resourcesOf, singleResource } from '../helpers';
import { attachmentOf, databaseOnly, ENVS, primaryOf, replicasOf, templates } from './helpers';

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
