import { Annotations, CfnOutput, Fn, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';
import { Cache } from './cache';
import { EnvironmentConfig } from './config/schema';
import { Database } from './database';
import { QUERY_ADVISOR_FUNCTION_OUTPUT, QueryAdvisor } from './database/query-advisor';
import { LOCALSTACK_ACCOUNT, LocalStackOnly } from './localstack';
import { Network } from './network';
import { Observability } from './observability';
import { Resilience } from './resilience';
import { SecretRotationRedeploy } from './database/rotation-redeploy';
import { ScalingAdvisor } from './scaling-advisor';
import { Service } from './service';
import { ReleaseGuard } from './service/release-guard';
import { EdgeFirewall } from './service/waf';

/** Id of the synth warning for a production environment that serves plain HTTP. */
export const PLAIN_HTTP_WARNING = 'scalable-backend:plainHttpInProduction';
import { APP_LOG_STREAM_PREFIX, TASK_OUTPUTS } from './task-outputs';

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
  /** AWS WAF in front of the load balancer; absent when `service.waf.enabled` is false. */
  readonly firewall?: EdgeFirewall;
  readonly observability: Observability;
  /** Release alarms (rollback), the smoke-test hook and the failed-release notification. */
  readonly releaseGuard: ReleaseGuard;
  readonly scalingAdvisor: ScalingAdvisor;
  /** Top statements, index and cache candidates of every database instance. */
  readonly queryAdvisor: QueryAdvisor;
  /** Rolls the service after each rotation of its database secret; absent when rotation is off. */
  readonly rotationRedeploy?: SecretRotationRedeploy;
  /** AWS FIS experiment templates; absent unless `resilience.experiments` is on. */
  readonly resilience?: Resilience;

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
    if (config.service.waf.enabled) {
      this.firewall = new EdgeFirewall(this, 'Edge', {
        config: config.service.waf,
        loadBalancer: this.service.loadBalancer,
      });
    }
    if (props.envName === 'prod' && !this.service.https) {
      // A first deploy must work without a domain, but it must not go unnoticed that it is plain HTTP.
      Annotations.of(this.service.loadBalancer).addWarningV2(
        PLAIN_HTTP_WARNING,
        'The prod load balancer serves plain HTTP on port 80 to the internet: set service.domain ' +
          '({"name":"api.example.com","hostedZoneId":"Z...","zoneName":"example.com"}) to have a certificate issued and ' +
          'validated here, or service.certificateArn for one managed elsewhere (see docs/going-live.md).',
      );
    }
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
      firewall: this.firewall,
    });
    // The replica-health alarms page like every other alarm (ALARM and OK), so a replica leaving the
    // reader rotation is never silent.
    this.releaseGuard = new ReleaseGuard(this, 'ReleaseGuard', {
      service: this.service,
      config: config.service.deployment,
      observability: config.observability,
      topic: this.observability.topic,
      logRetentionDays: config.service.logRetentionDays,
    });
    const alarmTopic = new actions.SnsAction(this.observability.topic);
    for (const alarm of this.database.replicaHealthAlarms) {
      alarm.addAlarmAction(alarmTopic);
      alarm.addOkAction(alarmTopic);
    }

    if (config.resilience.experiments) {
      this.resilience = new Resilience(this, 'Resilience', {
        config: config.resilience,
        vpc: this.network.vpc,
        cluster: this.service.cluster,
        service: this.service.service,
        primary: this.database.primary,
        primaryMultiAz: config.database.multiAz,
        cacheReplicationGroupId: this.cache.replicationGroupId,
        cacheMultiAz: config.cache.multiAz,
        stopAlarms: ['ErrorRate', 'ResponseTimeP95'].map(
          (id) => this.observability.node.findChild(id) as cloudwatch.Alarm,
        ),
        logRetentionDays: config.service.logRetentionDays,
      });
      for (const [name, template] of Object.entries(this.resilience.templates)) {
        new CfnOutput(this, `Experiment${name}TemplateId`, {
          description: `AWS FIS experiment template ${name} (aws fis start-experiment --experiment-template-id <id>)`,
          value: template.ref,
        });
      }
      // The zone the zonal experiments hit, resolved at deploy: `npm run experiment` checks a cache
      // node is there before a cache experiment runs.
      new CfnOutput(this, 'ExperimentZone', {
        description: 'Availability zone the zonal AWS FIS experiments hit (resilience.zoneIndex)',
        value: this.resilience.zone,
      });
    }

    this.queryAdvisor = new QueryAdvisor(this, 'QueryAdvisor', {
      vpc: this.network.vpc,
      primary: this.database.primary,
      replicas: this.database.replicas.map((instance, i) => ({
        instance,
        name: this.database.replicaInstanceIdentifiers[i],
      })),
      monitorSecret: this.database.appRole.monitorSecret,
      databaseName: config.database.databaseName,
      logRetentionDays: config.service.logRetentionDays,
    });
    new CfnOutput(this, 'QueryAdvisorFunctionNameOutput', {
      description: 'Query advisor function; `npm run advisor -- queries <env>` invokes it',
      value: this.queryAdvisor.function.functionName,
    }).overrideLogicalId(QUERY_ADVISOR_FUNCTION_OUTPUT);

    this.scalingAdvisor = new ScalingAdvisor(this, 'ScalingAdvisor', {
      queryAdvisor: this.queryAdvisor.function,
      config: config.observability,
      serviceConfig: config.service,
      service: this.service,
      database: this.database,
      cache: this.cache,
      firewall: this.firewall,
      observability: this.observability,
      // The advisor's reports are operational logs like the service's: same retention.
      logRetentionDays: config.service.logRetentionDays,
      vpc: this.network.vpc,
    });

    new CfnOutput(this, 'ServiceUrl', {
      description: 'URL of the load balancer in front of the service',
      value: this.service.url,
    });
    this.addDataTierOutputs(config);
    this.addTaskOutputs();
  }

  /**
   * What `npm run task` needs to run the service's task definition once, as the service runs it:
   * same cluster, subnets, security group and log group.
   */
  private addTaskOutputs(): void {
    const s = this.service;
    const outputs: Record<string, { description: string; value: string }> = {
      [TASK_OUTPUTS.clusterName]: { description: 'ECS cluster of the service', value: s.cluster.clusterName },
      [TASK_OUTPUTS.serviceName]: { description: 'ECS service name', value: s.service.serviceName },
      [TASK_OUTPUTS.taskDefinitionArn]: {
        description: 'Task definition (revision) the service runs; `npm run task` runs it once',
        value: s.taskDefinition.taskDefinitionArn,
      },
      [TASK_OUTPUTS.containerName]: {
        description: 'Name of the app container',
        value: s.container.containerName,
      },
      [TASK_OUTPUTS.subnetIds]: {
        description: 'Private subnets of the tasks (comma-separated)',
        value: Fn.join(',', this.network.vpc.selectSubnets({ subnetGroupName: Network.PRIVATE }).subnetIds),
      },
      [TASK_OUTPUTS.securityGroupId]: {
        description: 'Security group of the tasks (the data tier admits it)',
        value: s.securityGroup.securityGroupId,
      },
      [TASK_OUTPUTS.logGroupName]: {
        description: `Log group of the app container (streams ${APP_LOG_STREAM_PREFIX}/<container>/<task id>)`,
        value: s.logGroup.logGroupName,
      },
    };
    for (const [id, props] of Object.entries(outputs)) new CfnOutput(this, id, props);
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
