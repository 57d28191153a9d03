import { CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DatabaseConfig } from '../config/schema';
import { addReaderRecords } from './reader';
import { DatabaseAppRole } from './app-role';
import { exportLogsTo, instanceType, LOG_EXPORTS, physicalNameBase, POSTGRES_PORT } from './instances';
import { addReadReplicas } from './replicas';
import { configureSecretRotation } from './rotation';
import { Network } from '../network';
import { toRemovalPolicy } from '../removal-policy';

export { physicalNameBase, POSTGRES_PORT } from './instances';
export { PRIMARY_PREFERRED_ZONE_INDEX, replicaAvailabilityZone } from './replicas';

/** Host label of the reader name in the private zone: `db-reader.<zone>`. */
const READER_RECORD = 'db-reader';

/**
 * Short TTL, so a replica that is added or removed joins or leaves the reader rotation within
 * seconds; clients resolve the name per new connection.
 */
const READER_TTL = Duration.seconds(10);

export interface DatabaseProps {
  /** VPC with the subnet groups of {@link Network}: instances and proxy go to the isolated ones. */
  readonly vpc: ec2.IVpc;
  /** Validated database settings of the environment. */
  readonly config: DatabaseConfig;
  /**
   * Name of the private hosted zone (associated with `vpc` only) that holds the reader name.
   * @default - `<stack name in lower case>.internal`
   */
  readonly privateZoneName?: string;
  /**
   * Retention of the role provisioning function's log group, in days.
   * @default 30
   */
  readonly functionLogRetentionDays?: number;
}

/**
 * The relational tier: the service's own database user with its own secret (provisioned by
 * {@link DatabaseAppRole}; the master stays for administration), an RDS for PostgreSQL primary (KMS-encrypted gp3 with storage autoscaling,
 * automated backups, Performance Insights, logs in CloudWatch), read replicas reachable under one
 * weighted DNS name, and RDS Proxy in front of the primary.
 *
 * Security groups form a chain (each its own group, so no rule is broader than its purpose):
 * app -> proxy (5432), proxy -> primary (5432), app -> replicas (5432), the role provisioning
 * function -> primary (5432), and, when rotation is on, the rotation functions -> primary (5432). The app never reaches the primary directly; RDS Proxy's
 * read-only endpoints work with Aurora only, so the app reads from the replicas directly.
 *
 * Stateful resources (primary, replicas, subnet group, KMS key, secret) have fixed construct ids, and
 * the instances fixed identifiers derived from the stack name: CloudFormation refuses to replace a
 * custom-named resource, so a replacing change (e.g. `databaseName`) fails the update instead of
 * creating an empty database next to the old one.
 *
 * This file composes the tier; `lib/database/` holds its parts: the read replicas (`replicas.ts`),
 * secret rotation (`rotation.ts`) and what every instance shares (`instances.ts`).
 */
export class Database extends Construct {
  readonly primary: rds.DatabaseInstance;
  readonly replicas: rds.DatabaseInstanceReadReplica[];
  readonly proxy: rds.DatabaseProxy;
  /** The proxy's name, a lower-case literal (CloudWatch dimension `ProxyName`). */
  readonly proxyName: string;
  /**
   * Master credentials (JSON with `username`, `password`, `host`, ...), for administration only;
   * single-user rotation when configured.
   */
  readonly secret: secretsmanager.ISecret;
  /**
   * The service's credentials (`database.appUsername`, its own password, `host`, `port`, `dbname`,
   * `masterarn`), attached to the primary; alternating-users rotation when configured.
   */
  readonly appSecret: secretsmanager.ISecret;
  /** The custom resource that creates the service's roles with the master secret. */
  readonly appRole: DatabaseAppRole;
  /** The one DNS name that spreads reads over all replicas (the proxy when there are none). */
  readonly readerHostname: string;
  /** Plain container environment values: endpoints, port, database name, TLS mode. */
  readonly environment: Record<string, string>;
  /** Container secrets: `DB_USERNAME`, `DB_PASSWORD` from the app secret (never the master's). */
  readonly secrets: Record<string, ecs.Secret>;
  /** KMS key of storage, snapshots and Performance Insights of every instance. */
  readonly storageKey: kms.Key;
  /** Private hosted zone holding the reader name. */
  readonly privateZone: route53.PrivateHostedZone;
  /** Lower-case DBInstanceIdentifier of each replica (RDS stores them in lower case). */
  readonly replicaInstanceIdentifiers: string[];
  /**
   * One "replica not serving" alarm per replica; the reader name's health checks follow them.
   * They carry no action of their own: the stack adds the alarm topic.
   */
  readonly replicaHealthAlarms: cloudwatch.Alarm[];
  /** Security group of the replicas, when there are any. */
  readonly replicaSecurityGroup?: ec2.SecurityGroup;

  private readonly replicaConnections?: ec2.Connections;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { vpc, config } = props;
    const stack = Stack.of(this);
    const baseName = physicalNameBase(stack.stackName);

    // The primary: snapshot or retain as configured. Key, secret and subnet group are kept whenever
    // the database may outlive the stack: a snapshot is useless without the key that encrypts it and
    // the password that opens it.
    // "Retain" is RetainExceptOnCreate: plain Retain also keeps what a failed CREATE rolls back, and
    // the fixed identifiers and log group names then make the retry fail with AlreadyExists
    // (docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html).
    // A Snapshot policy applies to the rollback of a failed create too: CloudFormation snapshots the
    // new, empty instance and deletes it, so the identifier is free for the retry (one empty snapshot
    // is left to delete by hand).
    const instanceRemoval = toRemovalPolicy(config.removalPolicy);
    const keepWithData =
      config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    const logRemoval =
      config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY;

    this.storageKey = new kms.Key(this, 'StorageKey', {
      description: `${stack.stackName}: RDS storage, snapshots and Performance Insights`,
      enableKeyRotation: true,
      removalPolicy: keepWithData,
    });

    const engine = rds.DatabaseInstanceEngine.postgres({
      version: rds.PostgresEngineVersion.of(config.engineVersion, config.engineVersion.split('.')[0]),
    });

    // One parameter group for primary and replicas, so a slow query is logged wherever it runs.
    // All three parameters are dynamic or already at their RDS default, so changing the threshold
    // never restarts an instance.
    const parameterGroup = new rds.ParameterGroup(this, 'ParameterGroup', {
      engine,
      description: `${stack.stackName}: TLS only, slow-statement logging, pg_stat_statements`,
      parameters: {
        'rds.force_ssl': '1',
        log_min_duration_statement: String(config.slowQueryThresholdMs),
        // Query statistics are the data behind the first scaling lever: optimizing queries.
        shared_preload_libraries: 'pg_stat_statements',
      },
    });

    const subnetGroup = new rds.SubnetGroup(this, 'SubnetGroup', {
      description: `${stack.stackName}: isolated subnets of the database`,
      vpc,
      vpcSubnets: { subnetGroupName: Network.ISOLATED },
      removalPolicy: keepWithData,
    });

    const primarySecurityGroup = new ec2.SecurityGroup(this, 'PrimarySecurityGroup', {
      vpc,
      description: 'RDS primary: from RDS Proxy (and the rotation function) only',
      allowAllOutbound: false,
    });
    const proxySecurityGroup = new ec2.SecurityGroup(this, 'ProxySecurityGroup', {
      vpc,
      description: 'RDS Proxy: from the app tasks, to the primary',
      allowAllOutbound: false,
    });

    // One enhanced-monitoring role for every instance (CDK would make one per instance).
    const monitoringInterval =
      config.monitoringIntervalSeconds > 0 ? Duration.seconds(config.monitoringIntervalSeconds) : undefined;
    const monitoringRole = monitoringInterval
      ? new iam.Role(this, 'MonitoringRole', {
          assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com'),
          managedPolicies: [
            iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonRDSEnhancedMonitoringRole'),
          ],
        })
      : undefined;
    if (monitoringRole) {
      Validations.of(monitoringRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
        reason:
          'AWS-maintained service-role policy for RDS enhanced monitoring; it only writes the RDSOSMetrics log group.',
      });
    }

    const common = {
      vpc,
      subnetGroup,
      port: POSTGRES_PORT,
      storageType: rds.StorageType.GP3,
      maxAllocatedStorage: config.maxAllocatedStorageGiB,
      storageEncryptionKey: this.storageKey,
      parameterGroup,
      publiclyAccessible: false,
      // IAM database authentication on, as governed accounts require (CT.RDS.PR.7): it only adds a
      // way in for database users granted rds_iam; the app keeps its password secret and the proxy
      // (docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.Enabling.html).
      iamAuthentication: true,
      autoMinorVersionUpgrade: true,
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      // Every RDS for PostgreSQL class, micro and small included (the micro/small restriction is
      // MySQL's and MariaDB's: docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PerfInsights.Overview.Engines.html).
      enablePerformanceInsights: true,
      performanceInsightRetention: config.performanceInsightsRetentionDays as rds.PerformanceInsightRetention,
      performanceInsightEncryptionKey: this.storageKey,
      monitoringInterval,
      monitoringRole,
      cloudwatchLogsExports: [...LOG_EXPORTS],
      preferredMaintenanceWindow: config.preferredMaintenanceWindow,
      copyTagsToSnapshot: true,
      removalPolicy: instanceRemoval,
    } satisfies Partial<rds.DatabaseInstanceProps>;

    const primaryName = `${baseName}-primary`;
    this.primary = new rds.DatabaseInstance(this, 'Primary', {
      ...common,
      engine,
      instanceIdentifier: primaryName,
      instanceType: instanceType(config.instanceClass),
      securityGroups: [primarySecurityGroup],
      credentials: rds.Credentials.fromGeneratedSecret(config.masterUsername),
      databaseName: config.databaseName,
      multiAz: config.multiAz,
      allocatedStorage: config.allocatedStorageGiB,
      // Replicas of RDS for PostgreSQL need automated backups on the source (validated >= 1).
      backupRetention: Duration.days(config.backupRetentionDays),
      preferredBackupWindow: config.preferredBackupWindow,
      deleteAutomatedBackups: false,
      deletionProtection: config.deletionProtection,
    });
    exportLogsTo(this, 'Primary', this.primary, primaryName, config.logRetentionDays, logRemoval);

    // The generated secret: kept with the data (see above).
    const generatedSecret = this.primary.node.findChild('Secret');
    (generatedSecret.node.defaultChild as CfnResource).applyRemovalPolicy(keepWithData);
    this.secret = this.primary.secret!;

    // The service's own user, with its own secret: `masterarn` in it lets the multi-user rotation
    // function change passwords as the master; attaching it to the primary adds host and port.
    const appSecret = new rds.DatabaseSecret(this, 'AppSecret', {
      username: config.appUsername,
      dbname: config.databaseName,
      masterSecret: this.secret,
    });
    appSecret.applyRemovalPolicy(keepWithData);
    this.appSecret = appSecret.attach(this.primary);
    this.appRole = new DatabaseAppRole(this, 'AppRole', {
      vpc,
      primary: this.primary,
      masterSecret: this.secret,
      appSecret: this.appSecret,
      databaseName: config.databaseName,
      appUsername: config.appUsername,
      dropOnDelete: config.removalPolicy === 'destroy',
      logRetentionDays: props.functionLogRetentionDays,
    });

    // Replicas: ids Replica1..N, so adding one never renames (and so replaces) the others.
    const replicas = addReadReplicas(this, {
      vpc,
      count: config.readReplicas,
      instanceClass: config.replicaInstanceClass ?? config.instanceClass,
      common,
      primary: this.primary,
      baseName,
      logRetentionDays: config.logRetentionDays,
    });
    this.replicas = replicas.replicas;
    this.replicaInstanceIdentifiers = replicas.identifiers;
    this.replicaSecurityGroup = replicas.securityGroup;
    this.replicaConnections = replicas.connections;

    // RDS Proxy pools the app's connections in front of the primary (TLS only, password auth with
    // the service's secret, and the master's for administration; debug logging off because it
    // would log statement text). The proxy knows one user per secret, the one in its current
    // version (RDS User Guide, "Setting up database credentials for RDS Proxy").
    // An explicit lower-case name: RDS stores proxy names in lower case while Ref returns the name as
    // submitted, so a name derived from the mixed-case construct path would make every ProxyName
    // metric dimension point at a series that never has data (github.com/aws/aws-cdk/issues/38270).
    // Fixed: changing DBProxyName replaces the proxy (and its endpoint).
    this.proxyName = `${baseName}-proxy`;
    this.proxy = new rds.DatabaseProxy(this, 'Proxy', {
      dbProxyName: this.proxyName,
      proxyTarget: rds.ProxyTarget.fromInstance(this.primary),
      secrets: [this.secret, this.appSecret],
      vpc,
      vpcSubnets: { subnetGroupName: Network.ISOLATED },
      securityGroups: [proxySecurityGroup],
      requireTLS: true,
      iamAuth: false,
      debugLogging: false,
      clientPasswordAuthType: rds.ClientPasswordAuthType.POSTGRES_SCRAM_SHA_256,
      idleClientTimeout: Duration.seconds(config.proxy.idleClientTimeoutSeconds),
      maxConnectionsPercent: config.proxy.maxConnectionsPercent,
      maxIdleConnectionsPercent: config.proxy.maxIdleConnectionsPercent,
      borrowTimeout: Duration.seconds(config.proxy.connectionBorrowTimeoutSeconds),
    });
    // DatabaseProxy itself opens proxy -> primary on the instance's port (5432): the second link.

    configureSecretRotation(this, {
      vpc,
      rotationDays: config.rotationDays,
      primary: this.primary,
      masterSecret: generatedSecret,
      appSecret,
      attachedAppSecret: this.appSecret,
      appRole: this.appRole,
    });

    // One reader name over the replicas, each record health-checked (lib/database/reader.ts).
    const zoneName = props.privateZoneName ?? `${stack.stackName.toLowerCase()}.internal`;
    this.privateZone = new route53.PrivateHostedZone(this, 'PrivateZone', {
      zoneName,
      vpc,
      comment: `${stack.stackName}: private names of the data tier`,
    });
    this.readerHostname = `${READER_RECORD}.${zoneName}`;
    this.replicaHealthAlarms = addReaderRecords(this, {
      zone: this.privateZone,
      recordName: READER_RECORD,
      ttl: READER_TTL,
      writerHost: this.proxy.endpoint,
      replicas: this.replicas.map((instance, i) => ({
        instance,
        instanceIdentifier: this.replicaInstanceIdentifiers[i],
      })),
    });

    this.environment = {
      DB_WRITER_HOST: this.proxy.endpoint,
      DB_READER_HOST: this.readerHostname,
      DB_REPLICA_HOSTS: this.replicas.map((r) => r.dbInstanceEndpointAddress).join(','),
      DB_PORT: String(POSTGRES_PORT),
      DB_NAME: config.databaseName,
      DB_SSL: 'require',
    };
    this.secrets = {
      DB_USERNAME: ecs.Secret.fromSecretsManager(this.appSecret, 'username'),
      DB_PASSWORD: ecs.Secret.fromSecretsManager(this.appSecret, 'password'),
    };

    // Deliberate choices on the primary (cdk-nag AwsSolutions).
    Validations.of(this.primary).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'PostgreSQL keeps its standard port: the instances sit in isolated subnets reachable only from the named security groups, and 5432 is part of the container contract (DB_PORT).',
    });
    for (const replica of this.replicas) {
      Validations.of(replica).acknowledge({
        id: 'AwsSolutions-RDS11',
        reason: 'Standard PostgreSQL port, reachable only from the app security group (see the primary).',
      });
    }
    if (!config.multiAz) {
      Validations.of(this.primary).acknowledge({
        id: 'AwsSolutions-RDS3',
        reason:
          'Single-AZ primary chosen by configuration (database.multiAz: false) to keep non-production cost low.',
      });
    }
    if (!config.deletionProtection) {
      Validations.of(this.primary).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason:
          'Deletion protection switched off by configuration (database.deletionProtection: false) for disposable environments; the removal policy still snapshots or retains the data.',
      });
    }
  }

  /**
   * Let `service` reach the database the way the contract says: the proxy (writes) and the
   * replicas (reads) on 5432, nothing else. Adds the matching egress on the service's group.
   */
  allowFrom(service: ec2.IConnectable): void {
    this.proxy.connections.allowFrom(service, ec2.Port.tcp(POSTGRES_PORT), 'App tasks to RDS Proxy');
    this.replicaConnections?.allowFrom(
      service,
      ec2.Port.tcp(POSTGRES_PORT),
      'App tasks to the read replicas',
    );
  }
}
