import { CfnOutput, Fn, Stack, StackProps, Tags } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Cache } from './cache';
import { EnvironmentConfig } from './config/schema';
import { Database } from './database';
import { LOCALSTACK_ACCOUNT, LocalStackOnly } from './localstack';
import { Network } from './network';
import { Observability } from './observability';
import { SecretRotationRedeploy } from './rotation-redeploy';
import { ScalingAdvisor } from './scaling-advisor';
import { Service } from './service';

export interface ScalableBackendStackProps extends StackProps {
  /** Environment name (`dev`, `prod`, ...). */
  readonly envName: string;
  /** The validated config of the environment; constructs read nothing else. */
  readonly config: EnvironmentConfig;
}

/** One environment of scalable-backend: network, service, data tier and observability. */
export class ScalableBackendStack extends Stack {
  readonly network: Network;
  readonly database: Database;
  readonly cache: Cache;
  readonly service: Service;
  readonly observability: Observability;
  readonly scalingAdvisor: ScalingAdvisor;
  /** Rolls the service after each rotation of its database secret; absent when rotation is off. */
  readonly rotationRedeploy?: SecretRotationRedeploy;

  private readonly azCount: number;

  constructor(scope: Construct, id: string, props: ScalableBackendStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.azCount = config.network.maxAzs;
    for (const [key, value] of Object.entries(config.tags)) Tags.of(this).add(key, value);
    if (config.target === 'localstack') {
      // The template itself refuses any account but LocalStack's, whatever tool deploys it.
      new LocalStackOnly(this, 'LocalStackOnly', { account: config.account ?? LOCALSTACK_ACCOUNT });
    }

    this.network = new Network(this, 'Network', { config: config.network });

    this.database = new Database(this, 'Database', {
      vpc: this.network.vpc,
      config: config.database,
      functionLogRetentionDays: config.service.logRetentionDays,
    });
    this.cache = new Cache(this, 'Cache', { vpc: this.network.vpc, config: config.cache });

    this.service = new Service(this, 'Service', {
      vpc: this.network.vpc,
      config: config.service,
      dataEnvironment: { ...this.database.environment, ...this.cache.environment },
      secrets: { ...this.database.secrets, ...this.cache.secrets },
    });
    this.database.allowFrom(this.service.service);
    this.cache.allowFrom(this.service.service);
    if (config.database.rotationDays > 0) {
      // Tasks read DB_USERNAME/DB_PASSWORD at start only. RDS Proxy knows only the user of the
      // app secret's current version, so after a rotation replace the tasks: new connections
      // through the proxy then use the new user, well before the next rotation changes the
      // previous user's password (which the replicas accept until then).
      this.rotationRedeploy = new SecretRotationRedeploy(this, 'RotationRedeploy', {
        secret: this.database.appSecret,
        service: this.service.service,
        logRetentionDays: config.service.logRetentionDays,
      });
    }

    this.observability = new Observability(this, 'Observability', {
      envName: props.envName,
      config: config.observability,
      service: this.service,
      database: this.database,
      cache: this.cache,
      limits: {
        minTasks: config.service.minTasks,
        maxTasks: config.service.maxTasks,
        dbInstanceClass: config.database.instanceClass,
        proxyMaxConnectionsPercent: config.database.proxy.maxConnectionsPercent,
        cacheReplicas: config.cache.replicas,
      },
    });
    this.scalingAdvisor = new ScalingAdvisor(this, 'ScalingAdvisor', {
      config: config.observability,
      serviceConfig: config.service,
      service: this.service,
      database: this.database,
      cache: this.cache,
      observability: this.observability,
      // The advisor's reports are operational logs like the service's: same retention.
      logRetentionDays: config.service.logRetentionDays,
    });

    new CfnOutput(this, 'ServiceUrl', {
      description: 'URL of the load balancer in front of the service',
      value: this.service.url,
    });
    this.addDataTierOutputs(config);
  }

  /** Endpoints a user needs and the ARNs (never the values) of the data-tier secrets. */
  private addDataTierOutputs(config: EnvironmentConfig): void {
    const outputs: Record<string, { description: string; value: string }> = {
      DatabaseProxyEndpoint: {
        description: 'Writer endpoint: RDS Proxy in front of the primary (DB_WRITER_HOST)',
        value: this.database.proxy.endpoint,
      },
      DatabaseReaderHost: {
        description:
          'Reader DNS name spreading reads over the replicas, resolvable inside the VPC (DB_READER_HOST)',
        value: this.database.readerHostname,
      },
      DatabaseSecretArn: {
        description: 'ARN of the Secrets Manager secret with the master credentials (administration only)',
        value: this.database.secret.secretArn,
      },
      DatabaseAppSecretArn: {
        description:
          "ARN of the Secrets Manager secret with the service's credentials (DB_USERNAME, DB_PASSWORD)",
        value: this.database.appSecret.secretArn,
      },
      RedisEndpoint: {
        description: `${config.cache.clusterMode ? 'Configuration' : 'Primary'} endpoint of the cache (REDIS_HOST)`,
        value: this.cache.environment.REDIS_HOST,
      },
      RedisAuthTokenSecretArn: {
        description: 'ARN of the Secrets Manager secret with the cache AUTH token',
        value: this.cache.authToken.secretArn,
      },
    };
    if (this.database.replicas.length > 0) {
      outputs.DatabaseReplicaHosts = {
        description: 'Endpoints of the individual read replicas (DB_REPLICA_HOSTS)',
        value: this.database.environment.DB_REPLICA_HOSTS,
      };
    }
    if (!config.cache.clusterMode) {
      outputs.RedisReaderEndpoint = {
        description: 'Reader endpoint of the cache, spread over the replicas (REDIS_READER_HOST)',
        value: this.cache.environment.REDIS_READER_HOST,
      };
    }
    for (const [id, props] of Object.entries(outputs)) new CfnOutput(this, id, props);
  }

  /**
   * AZs resolved by CloudFormation (`Fn::GetAZs`) instead of a context lookup: an environment-agnostic
   * stack would otherwise get only two, and a pinned account/region would need AWS credentials at
   * synth. `network.availabilityZones` bypasses this with literal names (LocalStack).
   */
  override get availabilityZones(): string[] {
    return Array.from({ length: this.azCount }, (_, i) => Fn.select(i, Fn.getAzs()));
  }
}
