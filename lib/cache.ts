import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CACHE_TARGET_TAG, lowerCaseIdentifier } from './aws-conventions';
import { CacheConfig } from './config/schema';
import { Network } from './network';
import { toRemovalPolicy } from './removal-policy';

/** ElastiCache's default port per engine: both speak the Redis protocol on 6379. */
const DEFAULT_PORT = 6379;

/** Longest ReplicationGroupId ElastiCache accepts (node ids add up to 10 characters to it). */
const MAX_REPLICATION_GROUP_ID = 40;

export interface CacheProps {
  /** VPC with the subnet groups of {@link Network}: the nodes go to the isolated subnets. */
  readonly vpc: ec2.IVpc;
  /** Validated cache settings of the environment. */
  readonly config: CacheConfig;
  /**
   * ReplicationGroupId (lower case, at most 40 characters). Fixed, so metrics can be addressed by
   * name and a replacing change fails instead of creating an empty cache next to the old one.
   * @default - the stack name in lower case, e.g. `scalablebackend-prod`
   */
  readonly replicationGroupId?: string;
}

/**
 * The cache tier: an ElastiCache replication group (Redis OSS or Valkey) on Graviton nodes in the
 * isolated subnets, TLS in transit, encrypted at rest, AUTH token from Secrets Manager, an eviction
 * policy fit for a cache, failover/Multi-AZ and snapshots as configured, and cluster mode (shards)
 * as the one sharding lever of the stack.
 */
export class Cache extends Construct {
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  /** The concrete ReplicationGroupId (CloudWatch dimension `ReplicationGroupId`). */
  readonly replicationGroupId: string;
  /** CacheClusterId of every node (CloudWatch dimension `CacheClusterId`). */
  readonly memberClusterIds: string[];
  /** The generated AUTH token (the whole secret string is the token). */
  readonly authToken: secretsmanager.ISecret;
  readonly port: number;
  /** Plain container environment values: endpoints, port, TLS and cluster-mode flags. */
  readonly environment: Record<string, string>;
  /** Container secrets: `REDIS_AUTH_TOKEN`. */
  readonly secrets: Record<string, ecs.Secret>;
  readonly securityGroup: ec2.SecurityGroup;
  readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    const { vpc, config } = props;
    const stack = Stack.of(this);
    this.port = config.port;
    this.replicationGroupId = props.replicationGroupId ?? replicationGroupIdFor(stack.stackName);
    validateReplicationGroupId(this.replicationGroupId);

    const removal = toRemovalPolicy(config.removalPolicy);
    // Token and subnet group stay as long as the data may: a retained cache needs both. Never
    // through the rollback of a failed create, though (see toRemovalPolicy).
    const keepWithData =
      config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `ElastiCache ${config.engine}: from the app tasks only`,
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({
      securityGroups: [this.securityGroup],
      defaultPort: ec2.Port.tcp(config.port),
    });

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: `${stack.stackName}: isolated subnets of the cache`,
      subnetIds: vpc.selectSubnets({ subnetGroupName: Network.ISOLATED }).subnetIds,
    });
    subnetGroup.applyRemovalPolicy(keepWithData);

    const parameterGroup = new elasticache.CfnParameterGroup(this, 'ParameterGroup', {
      cacheParameterGroupFamily: parameterGroupFamily(config.engine, config.engineVersion),
      description: `${stack.stackName}: ${config.maxmemoryPolicy} eviction${config.clusterMode ? ', cluster mode' : ''}`,
      properties: {
        // A cache evicts instead of refusing writes when memory is full (allkeys-lru by default).
        'maxmemory-policy': config.maxmemoryPolicy,
        ...(config.clusterMode ? { 'cluster-enabled': 'yes' } : {}),
      },
    });

    // ElastiCache accepts 16-128 printable characters and only !&#$^<>- as punctuation: none at all
    // is the simple safe choice (64 alphanumerics are ~380 bits).
    const authToken = new secretsmanager.Secret(this, 'AuthToken', {
      description: `${stack.stackName}: AUTH token of the ElastiCache replication group ${this.replicationGroupId}`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: keepWithData,
    });
    this.authToken = authToken;

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupId: this.replicationGroupId,
      replicationGroupDescription: `${stack.stackName} ${config.engine} cache`,
      engine: config.engine,
      engineVersion: config.engineVersion,
      cacheNodeType: config.nodeType,
      port: config.port,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      cacheParameterGroupName: parameterGroup.ref,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      // A CloudFormation dynamic reference: the token never appears in the template.
      authToken: authToken.secretValue.unsafeUnwrap(),
      automaticFailoverEnabled: config.automaticFailover,
      // Zone placement: with Multi-AZ, ElastiCache "automatically provisions and maintains a secondary
      // ... node in a different Availability Zone" (ElastiCache User Guide, "AWS Regions and Availability
      // Zones"). PreferredCacheClusterAZs is not set: it is create-only (CloudFormation resource schema of
      // AWS::ElastiCache::ReplicationGroup), so it would block changing cache.replicas in place.
      multiAzEnabled: config.multiAz,
      ...(config.clusterMode
        ? { numNodeGroups: config.shards, replicasPerNodeGroup: config.replicas }
        : { numCacheClusters: config.replicas + 1 }),
      snapshotRetentionLimit: config.snapshotRetentionDays,
      autoMinorVersionUpgrade: true,
      // The fault-injection experiments select the group by this tag (FIS takes ARNs or tags, and the
      // zone parameter only with tags); a tag change updates the group without interruption.
      tags: [{ key: CACHE_TARGET_TAG, value: this.replicationGroupId }],
    });
    // Changing the shard count reshards online instead of replacing the group (and its data).
    this.replicationGroup.cfnOptions.updatePolicy = { useOnlineResharding: true };
    this.replicationGroup.applyRemovalPolicy(removal);

    this.memberClusterIds = memberClusterIds(this.replicationGroupId, config);

    this.environment = {
      REDIS_HOST: config.clusterMode
        ? this.replicationGroup.attrConfigurationEndPointAddress
        : this.replicationGroup.attrPrimaryEndPointAddress,
      // Cluster mode has no reader endpoint: cluster-aware clients discover replicas themselves.
      REDIS_READER_HOST: config.clusterMode ? '' : this.replicationGroup.attrReaderEndPointAddress,
      REDIS_PORT: String(config.port),
      REDIS_TLS: 'true',
      REDIS_CLUSTER_MODE: String(config.clusterMode),
    };
    this.secrets = { REDIS_AUTH_TOKEN: ecs.Secret.fromSecretsManager(authToken) };

    // Deliberate choices (cdk-nag AwsSolutions).
    Validations.of(authToken).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Secrets Manager has no rotation function for ElastiCache AUTH tokens; rotating needs ModifyReplicationGroup with AuthTokenUpdateStrategy ROTATE then SET and a restart of the tasks (docs/operations.md: rotating the cache token).',
    });
    if (config.port === DEFAULT_PORT) {
      Validations.of(this.replicationGroup).acknowledge({
        id: 'AwsSolutions-AEC5',
        reason:
          'Standard port chosen by configuration (cache.port): the nodes sit in isolated subnets reachable only from the app security group, with TLS and AUTH.',
      });
    }
    if (!config.multiAz) {
      Validations.of(this.replicationGroup).acknowledge({
        id: 'AwsSolutions-AEC4',
        reason:
          'Single-AZ cache chosen by configuration (cache.multiAz: false) for non-production cost; a cache loss costs misses, not data.',
      });
    }
  }

  /** Let `service` reach the cache on its port (and nothing else); adds the matching egress. */
  allowFrom(service: ec2.IConnectable): void {
    this.connections.allowDefaultPortFrom(service, 'App tasks to the cache');
  }
}

/** `ScalableBackend-prod` -> `scalablebackend-prod`, within ElastiCache's naming rules. */
export function replicationGroupIdFor(stackName: string): string {
  return lowerCaseIdentifier(stackName, MAX_REPLICATION_GROUP_ID, 'cache');
}

function validateReplicationGroupId(id: string): void {
  if (
    id.length > MAX_REPLICATION_GROUP_ID ||
    !/^[a-z][a-z0-9-]*$/.test(id) ||
    id.includes('--') ||
    id.endsWith('-')
  ) {
    throw new Error(
      `Cache replicationGroupId ${JSON.stringify(id)} is invalid: use 1-${MAX_REPLICATION_GROUP_ID} lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen`,
    );
  }
}

/**
 * Node ids ElastiCache assigns: `<id>-00N` without cluster mode, `<id>-000S-00N` (shard, node)
 * with it.
 */
export function memberClusterIds(replicationGroupId: string, config: CacheConfig): string[] {
  const nodesPerGroup = config.replicas + 1;
  const ids: string[] = [];
  if (!config.clusterMode) {
    for (let node = 1; node <= nodesPerGroup; node++) ids.push(`${replicationGroupId}-${pad(node, 3)}`);
    return ids;
  }
  for (let shard = 1; shard <= config.shards; shard++) {
    for (let node = 1; node <= nodesPerGroup; node++) {
      ids.push(`${replicationGroupId}-${pad(shard, 4)}-${pad(node, 3)}`);
    }
  }
  return ids;
}

/** Parameter group family of an engine version: redis6.x, redis7, valkey7, valkey8. */
export function parameterGroupFamily(engine: CacheConfig['engine'], version: string): string {
  const major = version.split('.')[0];
  if (engine === 'redis' && major === '6') return 'redis6.x';
  return `${engine}${major}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
