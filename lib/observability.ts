import { Annotations, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ObservabilityConfig } from './config/schema';
import { Service } from './service';

/**
 * What the alarms need from the data tier. The `Database` construct satisfies it structurally, so
 * observability depends on the three handles it watches, not on how the tier is built.
 */
export interface ObservedDatabase {
  /** The writer instance (behind the proxy). */
  readonly primary: rds.IDatabaseInstance;
  /** Read replicas; each gets its own lag and CPU alarm. */
  readonly replicas: readonly rds.IDatabaseInstance[];
  /** RDS Proxy in front of the primary. */
  readonly proxy: rds.IDatabaseProxy;
}

/** What the alarms need from the cache tier (the `Cache` construct satisfies it). */
export interface ObservedCache {
  /** Replication group id (for descriptions and the dashboard). */
  readonly replicationGroupId: string;
  /**
   * The member cache clusters, one per node (`<group>-001`, or `<group>-0001-001` in cluster mode):
   * ElastiCache publishes its metrics per `CacheClusterId`.
   */
  readonly memberClusterIds: readonly string[];
}

/** What the alarms need from the edge tier (the `EdgeFirewall` construct satisfies it). */
export interface ObservedFirewall {
  /** The web ACL's metric name (the `WebACL` dimension). */
  readonly metricName: string;
  /** A web-ACL-wide request count of AWS/WAFV2 (Sum per minute). */
  metric(metricName: 'BlockedRequests' | 'AllowedRequests'): cloudwatch.Metric;
}

/** Sizing facts the alarm thresholds are derived from. */
export interface ObservedLimits {
  /** Minimum task count of the service (drawn on the dashboard). */
  readonly minTasks: number;
  /** Maximum task count: reaching it for 15 minutes means autoscaling is exhausted. */
  readonly maxTasks: number;
  /** RDS instance class of the primary without the `db.` prefix, e.g. `t4g.micro`. */
  readonly dbInstanceClass: string;
  /** `database.proxy.maxConnectionsPercent`: the proxy's pool ceiling as a share of max_connections. */
  readonly proxyMaxConnectionsPercent: number;
  /** Replicas per cache node group; replication lag is alarmed only when there are replicas. */
  readonly cacheReplicas: number;
}

export interface ObservabilityProps {
  /** Environment name (`dev`, `prod`, ...), used in names and descriptions. */
  readonly envName: string;
  /** Validated observability settings: every threshold comes from here. */
  readonly config: ObservabilityConfig;
  /** The app tier (ALB, target group, Fargate service). */
  readonly service: Service;
  /** The database tier. */
  readonly database: ObservedDatabase;
  /** The cache tier. */
  readonly cache: ObservedCache;
  /** Task counts, instance class and replica counts from the validated config. */
  readonly limits: ObservedLimits;
  /**
   * AWS WAF in front of the load balancer: an alarm on blocked requests and a dashboard widget.
   * @default - no web ACL, no edge alarm
   */
  readonly firewall?: ObservedFirewall;
}

/**
 * CloudWatch alarms can reference at most 10 metrics in one metric-math expression. Signals over
 * more cache nodes than that are split into several alarms of up to this many metrics each.
 */
export const MAX_METRICS_PER_ALARM = 10;

/** RDS for PostgreSQL's default `max_connections`: LEAST(DBInstanceClassMemory / 9531392, 5000). */
export const POSTGRES_BYTES_PER_CONNECTION = 9_531_392;
export const POSTGRES_MAX_CONNECTIONS_CAP = 5000;

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** Memory (GiB) per vCPU of the RDS instance families the alarms know, and their sizes' vCPUs. */
const GIB_PER_VCPU: Record<string, number> = {
  m5: 4,
  m5d: 4,
  m6g: 4,
  m6gd: 4,
  m6i: 4,
  m6id: 4,
  m7g: 4,
  m7i: 4,
  m8g: 4,
  r5: 8,
  r5b: 8,
  r5d: 8,
  r6g: 8,
  r6gd: 8,
  r6i: 8,
  r6id: 8,
  r7g: 8,
  r7i: 8,
  r8g: 8,
};
const VCPUS_BY_SIZE: Record<string, number> = {
  large: 2,
  xlarge: 4,
  '2xlarge': 8,
  '4xlarge': 16,
  '8xlarge': 32,
  '12xlarge': 48,
  '16xlarge': 64,
  '24xlarge': 96,
  '32xlarge': 128,
  '48xlarge': 192,
};
/** Burstable classes do not follow a fixed memory-per-vCPU ratio. */
const BURSTABLE_GIB_BY_SIZE: Record<string, number> = {
  micro: 1,
  small: 2,
  medium: 4,
  large: 8,
  xlarge: 16,
  '2xlarge': 32,
};

/** Nominal memory (GiB) of an RDS instance class, or undefined when the class is not in the table. */
export function instanceClassMemoryGiB(instanceClass: string): number | undefined {
  const [family, size] = instanceClass.replace(/^db\./, '').split('.');
  if (family === 't3' || family === 't4g') return BURSTABLE_GIB_BY_SIZE[size];
  const perVcpu = GIB_PER_VCPU[family];
  const vcpus = VCPUS_BY_SIZE[size];
  return perVcpu && vcpus ? perVcpu * vcpus : undefined;
}

/**
 * The default `max_connections` of RDS for PostgreSQL on an instance class, from its nominal memory.
 * RDS subtracts memory reserved for the OS from `DBInstanceClassMemory`, so the real value is a few
 * percent lower (noticeably on micro classes): this is an upper bound. Throws for an unknown class.
 */
export function postgresMaxConnections(instanceClass: string): number {
  const gib = instanceClassMemoryGiB(instanceClass);
  if (gib === undefined) {
    const families = ['t3', 't4g', ...Object.keys(GIB_PER_VCPU)].join(', ');
    throw new Error(
      `observability: cannot derive max_connections for database instance class '${instanceClass}'. ` +
        `Known families: ${families} (sizes ${Object.keys(VCPUS_BY_SIZE).join(', ')}; burstable ${Object.keys(BURSTABLE_GIB_BY_SIZE).join(', ')}). ` +
        'Set observability.dbMaxConnections to the value `SHOW max_connections` returns.',
    );
  }
  return Math.min(Math.floor((gib * GIB) / POSTGRES_BYTES_PER_CONNECTION), POSTGRES_MAX_CONNECTIONS_CAP);
}

/** One alarm: metric, rule and the operator's instructions. */
interface AlarmSpec {
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: cloudwatch.TreatMissingData;
  /** What the alarm means and which scaling lever to pull. */
  readonly description: string;
}

const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);
const { GREATER_THAN_THRESHOLD, GREATER_THAN_OR_EQUAL_TO_THRESHOLD, LESS_THAN_THRESHOLD } =
  cloudwatch.ComparisonOperator;
const { NOT_BREACHING, MISSING } = cloudwatch.TreatMissingData;

/**
 * Measure before scaling: alarms on the signals that say "time to scale" and which lever to pull,
 * all notifying one KMS-encrypted, TLS-only SNS topic on ALARM and on OK, and one dashboard per
 * environment.
 *
 * Evaluation windows follow one rule: request-driven signals (latency, errors) look at 1-minute
 * datapoints so a real incident pages within minutes; resource gauges (CPU, memory) must stay high
 * for 15 minutes, longer than a scale-out step takes, so they fire only when scaling did not help.
 *
 * Missing data is treated per alarm: request-driven metrics have no datapoints without traffic
 * (`notBreaching`: a quiet night is healthy); gauges that AWS publishes every minute keep their state
 * across a gap (`missing`: a gap says nothing about load, and an outage pages through other alarms).
 *
 * Preconditions: Container Insights is enabled on the cluster (the `Service` construct does this) for
 * the "autoscaling exhausted" alarm.
 */
export class Observability extends Construct {
  /** The topic every alarm notifies; the scaling advisor publishes its verdict changes here too. */
  readonly topic: sns.Topic;
  /** Customer-managed key of the topic. */
  readonly topicKey: kms.Key;
  readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm this construct created (all with ALARM and OK actions on `topic`). */
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The primary's max_connections the connection alarms are based on. */
  readonly dbMaxConnections: number;

  private readonly stackName: string;
  private readonly action: actions.SnsAction;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { config, limits } = props;
    this.stackName = Stack.of(this).stackName;

    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: `Encrypts the alarm topic of ${this.stackName}`,
      enableKeyRotation: true,
      // Messages on the topic are transient; a retained key would only cost money after the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch publishes alarm notifications itself: it must be able to use the key of an
    // encrypted topic, or notifications are silently dropped
    // (docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
    // Only for this account's alarms of this stack (alarm names start with the stack name), against
    // the confused-deputy problem, exactly as the topic policy below.
    const thisStacksAlarms = `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${this.stackName}-*`;
    const fromThisStacksAlarms = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': thisStacksAlarms },
    };
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromThisStacksAlarms,
      }),
    );

    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${this.stackName} alarms`,
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    // The topic policy replaces SNS's default one, so allow this stack's alarms explicitly (scoped by
    // source account and ARN against the confused-deputy problem).
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisAccountsAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromThisStacksAlarms,
      }),
    );
    if (config.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    }
    this.action = new actions.SnsAction(this.topic);

    this.dbMaxConnections = config.dbMaxConnections ?? postgresMaxConnections(limits.dbInstanceClass);

    const app = [...this.appTierAlarms(props), ...this.edgeAlarms(props)];
    const db = this.databaseAlarms(props);
    const cache = this.cacheAlarms(props);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${this.stackName}-scaling`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          `# ${this.stackName} (${props.envName}): is it time to scale?\n` +
          'Each alarm description says which lever to pull; docs/alarms.md maps them to the scaling levers.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
    );
    for (const row of [...app, ...db, ...cache]) this.dashboard.addWidgets(...row);
  }

  /** Append a row of widgets to the dashboard. */
  addDashboardWidgets(...widgets: cloudwatch.IWidget[]): void {
    this.dashboard.addWidgets(...widgets);
  }

  // ---------------------------------------------------------------------------------------------
  // App tier: ALB + Fargate
  // ---------------------------------------------------------------------------------------------
  private appTierAlarms(props: ObservabilityProps): cloudwatch.IWidget[][] {
    const { config, limits } = props;
    const { loadBalancer, targetGroup, service, cluster } = props.service;

    const p = (statistic: string) =>
      targetGroup.metrics.targetResponseTime({ statistic, period: ONE_MINUTE });
    this.addAlarm('ResponseTimeP95', {
      metric: p('p95'),
      threshold: config.p95ResponseTimeSeconds,
      comparison: GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: NOT_BREACHING,
      description:
        `Target response time p95 has been above ${config.p95ResponseTimeSeconds}s for 5 of 5 minutes (observability.p95ResponseTimeSeconds). ` +
        'Find the slow tier before scaling: if service CPU is high and the task count is at its maximum, raise service.maxTasks or task size; ' +
        'if database CPU or latency is high, optimize the slow queries (slow-query log), cache the expensive reads, then add read replicas. ' +
        'The scaling advisor names the bottleneck.',
    });

    const requests = loadBalancer.metrics.requestCount({ statistic: 'Sum', period: ONE_MINUTE });
    const errorRate = new cloudwatch.MathExpression({
      // Below the minimum request count the rate is reported as 0: a few errors at night do not page.
      expression: `IF(requests >= ${Math.max(1, config.errorRateMinRequestsPerMinute)}, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)`,
      usingMetrics: {
        requests,
        target5xx: loadBalancer.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
          statistic: 'Sum',
          period: ONE_MINUTE,
        }),
        elb5xx: loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, {
          statistic: 'Sum',
          period: ONE_MINUTE,
        }),
      },
      period: ONE_MINUTE,
      label: '5xx rate (%)',
    });
    this.addAlarm('ErrorRate', {
      metric: errorRate,
      threshold: config.errorRatePercent,
      comparison: GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: NOT_BREACHING,
      description:
        `More than ${config.errorRatePercent}% of requests failed with 5xx (target + load balancer) in 3 of 5 minutes, counted only above ` +
        `${config.errorRateMinRequestsPerMinute} requests/minute (observability.errorRatePercent, errorRateMinRequestsPerMinute). ` +
        'Target 5xx: read the application logs (a bad deploy rolls back through the circuit breaker). Load balancer 5xx (502/503/504): ' +
        'tasks are failing health checks or saturated - check the unhealthy-targets and CPU alarms and scale out (service.maxTasks).',
    });

    this.addAlarm('UnhealthyTargets', {
      metric: targetGroup.metrics.unhealthyHostCount({ statistic: 'Maximum', period: ONE_MINUTE }),
      threshold: 1,
      comparison: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: NOT_BREACHING,
      description:
        'At least one task has failed load balancer health checks for 5 minutes. Check the task logs and the health check path ' +
        '(service.healthCheck); overloaded tasks fail health checks too, so check CPU/memory and raise service.maxTasks or task size.',
    });

    const cpu = service.metricCpuUtilization({ statistic: 'Average', period: FIVE_MINUTES });
    this.addAlarm('ServiceCpu', {
      metric: cpu,
      threshold: config.serviceCpuPercent,
      comparison: GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: MISSING,
      description:
        `Average service CPU has stayed above ${config.serviceCpuPercent}% for 15 minutes (observability.serviceCpuPercent) although step ` +
        'scaling adds tasks at service.scaling.scaleOutCpuPercent: autoscaling is not keeping up. Horizontal: raise service.maxTasks or ' +
        'the scale-out step; vertical: a larger service.cpu. If the service is already at its maximum, see AutoscalingExhausted.',
    });

    const memory = service.metricMemoryUtilization({ statistic: 'Average', period: FIVE_MINUTES });
    this.addAlarm('ServiceMemory', {
      metric: memory,
      threshold: config.serviceMemoryPercent,
      comparison: GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: MISSING,
      description:
        `Average service memory has stayed above ${config.serviceMemoryPercent}% for 15 minutes (observability.serviceMemoryPercent). ` +
        'Autoscaling follows CPU, not memory, so more tasks may not help: scale tasks vertically (service.memoryMiB), ' +
        'or look for a leak or in-process state that belongs in Redis.',
    });

    const runningTasks = new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: { ClusterName: cluster.clusterName, ServiceName: service.serviceName },
      statistic: 'Minimum',
      period: ONE_MINUTE,
    });
    if (limits.maxTasks > limits.minTasks) {
      this.addAlarm('AutoscalingExhausted', {
        metric: runningTasks,
        threshold: limits.maxTasks,
        comparison: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 15,
        datapointsToAlarm: 15,
        treatMissingData: MISSING,
        description:
          `The service has run at its maximum of ${limits.maxTasks} tasks for 15 minutes (service.maxTasks): autoscaling is exhausted. ` +
          'Horizontal: raise service.maxTasks (check the database connection headroom first, every task opens connections); ' +
          'vertical: larger tasks (service.cpu / service.memoryMiB). If the database is the bottleneck, more tasks will not help.',
      });
    } else {
      Annotations.of(this).addInfo(
        `service.minTasks equals service.maxTasks (${limits.maxTasks}): autoscaling cannot scale, so no "autoscaling exhausted" alarm.`,
      );
    }

    return [
      [
        new cloudwatch.GraphWidget({
          title: 'Requests / minute',
          left: [requests.with({ label: 'Requests' })],
          width: 8,
        }),
        new cloudwatch.GraphWidget({
          title: 'Target response time (s)',
          left: ['p50', 'p95', 'p99'].map((stat) => p(stat).with({ label: stat })),
          leftAnnotations: [{ value: config.p95ResponseTimeSeconds, label: 'p95 alarm' }],
          width: 8,
        }),
        new cloudwatch.GraphWidget({
          title: '5xx rate (%)',
          left: [errorRate],
          leftAnnotations: [{ value: config.errorRatePercent, label: 'alarm' }],
          width: 8,
        }),
      ],
      [
        new cloudwatch.GraphWidget({
          title: 'Running tasks (min / max)',
          left: [runningTasks.with({ statistic: 'Average', label: 'Running tasks' })],
          leftAnnotations: [
            { value: limits.minTasks, label: 'minTasks', color: cloudwatch.Color.GREEN },
            { value: limits.maxTasks, label: 'maxTasks', color: cloudwatch.Color.RED },
          ],
          leftYAxis: { min: 0 },
          width: 8,
        }),
        percentGraph(
          'Service CPU / memory (%)',
          [
            cpu.with({ label: 'CPU', period: ONE_MINUTE }),
            memory.with({ label: 'Memory', period: ONE_MINUTE }),
          ],
          config.serviceCpuPercent,
        ),
        new cloudwatch.GraphWidget({
          title: 'Healthy / unhealthy targets',
          left: [
            targetGroup.metrics.healthyHostCount({
              statistic: 'Minimum',
              period: ONE_MINUTE,
              label: 'Healthy',
            }),
            targetGroup.metrics.unhealthyHostCount({
              statistic: 'Maximum',
              period: ONE_MINUTE,
              label: 'Unhealthy',
            }),
          ],
          width: 8,
        }),
      ],
    ];
  }

  // ---------------------------------------------------------------------------------------------
  // Edge: AWS WAF in front of the load balancer
  // ---------------------------------------------------------------------------------------------
  private edgeAlarms(props: ObservabilityProps): cloudwatch.IWidget[][] {
    const { config, firewall } = props;
    if (!firewall) return [];
    // WAF publishes counts only for minutes with requests: a quiet minute is no block at all.
    const blocked = firewall.metric('BlockedRequests');
    this.addAlarm('WafBlockedRequests', {
      metric: blocked,
      threshold: config.wafBlockedRequestsPerMinute,
      comparison: GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: NOT_BREACHING,
      description:
        `AWS WAF (web ACL ${firewall.metricName}) blocked more than ${config.wafBlockedRequestsPerMinute} requests a minute in 3 of 5 minutes ` +
        '(observability.wafBlockedRequestsPerMinute). Find the rule and the clients in the WAF log group (aws-waf-logs-*, field ' +
        'terminatingRuleId): one IP over the rate limit is a flood or a runaway client (service.waf.rateLimitPer5Minutes); a managed ' +
        'rule blocking your own clients after a deploy is a false positive (drop or tune that group in service.waf.managedRuleGroups). ' +
        'Blocked requests never reach the tasks, so do not scale for them.',
    });
    return [
      [
        new cloudwatch.GraphWidget({
          title: 'AWS WAF requests / minute',
          left: [
            firewall.metric('AllowedRequests').with({ label: 'Allowed' }),
            blocked.with({ label: 'Blocked' }),
          ],
          leftAnnotations: [{ value: config.wafBlockedRequestsPerMinute, label: 'blocked alarm' }],
          leftYAxis: { min: 0 },
          width: 24,
        }),
      ],
    ];
  }

  // ---------------------------------------------------------------------------------------------
  // Database: primary, replicas, RDS Proxy
  // ---------------------------------------------------------------------------------------------
  private databaseAlarms(props: ObservabilityProps): cloudwatch.IWidget[][] {
    const { config, limits, database } = props;
    const rdsMetric = (
      instance: rds.IDatabaseInstance,
      metricName: string,
      statistic: string,
      period: Duration,
    ) =>
      new cloudwatch.Metric({
        namespace: 'AWS/RDS',
        metricName,
        dimensionsMap: { DBInstanceIdentifier: instance.instanceIdentifier },
        statistic,
        period,
      });
    const proxyMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/RDS',
        metricName,
        dimensionsMap: { ProxyName: database.proxy.dbProxyName },
        statistic,
        period: ONE_MINUTE,
      });
    const primary = database.primary;

    const primaryCpu = rdsMetric(primary, 'CPUUtilization', 'Average', FIVE_MINUTES);
    this.addAlarm('DbCpu', {
      metric: primaryCpu,
      threshold: config.dbCpuPercent,
      comparison: GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: MISSING,
      description:
        `Primary database CPU has stayed above ${config.dbCpuPercent}% for 15 minutes (observability.dbCpuPercent). In order: ` +
        'optimize the slow queries (slow-query log, Performance Insights top SQL); cache the expensive reads in Redis; move reads to ' +
        'read replicas (database.readReplicas); only then a larger primary (database.instanceClass).',
    });

    this.addAlarm('DbFreeableMemory', {
      metric: rdsMetric(primary, 'FreeableMemory', 'Average', FIVE_MINUTES),
      threshold: config.dbFreeableMemoryMiB * MIB,
      comparison: LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: MISSING,
      description:
        `Primary freeable memory has stayed below ${config.dbFreeableMemoryMiB} MiB for 15 minutes (observability.dbFreeableMemoryMiB): ` +
        'the working set no longer fits and reads go to disk. Reduce connections (each costs memory: RDS Proxy settings), cache hot ' +
        'reads in Redis, or scale the primary vertically (database.instanceClass, memory-optimized r classes).',
    });

    this.addAlarm('DbFreeStorage', {
      metric: rdsMetric(primary, 'FreeStorageSpace', 'Minimum', FIVE_MINUTES),
      threshold: config.dbFreeStorageGiB * GIB,
      comparison: LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: MISSING,
      description:
        `Primary free storage is below ${config.dbFreeStorageGiB} GiB (observability.dbFreeStorageGiB). Storage autoscaling grows ` +
        'the volume up to database.maxAllocatedStorageGiB: if it is at the ceiling, raise it; also look for bloat (VACUUM) and old data.',
    });

    const connectionLimit = Math.floor((this.dbMaxConnections * config.dbConnectionsPercent) / 100);
    const connections = rdsMetric(primary, 'DatabaseConnections', 'Maximum', ONE_MINUTE);
    this.addAlarm('DbConnections', {
      metric: connections,
      threshold: connectionLimit,
      comparison: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: MISSING,
      description:
        `Primary connections have been at or above ${connectionLimit} (${config.dbConnectionsPercent}% of max_connections ` +
        `${this.dbMaxConnections}) for 5 minutes (observability.dbConnectionsPercent). New connections will soon be refused. ` +
        'Connect through RDS Proxy (not directly), tune its pool (database.proxy.maxConnectionsPercent, idleClientTimeoutSeconds), ' +
        'reduce per-task pool sizes before adding tasks; a larger instance class raises max_connections.',
    });

    const latency = (metricName: 'ReadLatency' | 'WriteLatency') =>
      rdsMetric(primary, metricName, 'Average', ONE_MINUTE);
    this.addAlarm('DbReadLatency', {
      metric: latency('ReadLatency'),
      threshold: config.dbLatencyMs / 1000,
      comparison: GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: MISSING,
      description:
        `Primary read latency (disk I/O per read) has been above ${config.dbLatencyMs} ms for 5 minutes (observability.dbLatencyMs): ` +
        'the working set does not fit in memory or queries scan. Add indexes / optimize queries, cache the expensive reads in Redis, ' +
        'send reads to replicas (database.readReplicas), then scale vertically (more memory).',
    });
    this.addAlarm('DbWriteLatency', {
      metric: latency('WriteLatency'),
      threshold: config.dbLatencyMs / 1000,
      comparison: GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: MISSING,
      description:
        `Primary write latency has been above ${config.dbLatencyMs} ms for 5 minutes (observability.dbLatencyMs): the database is ` +
        'write-bound. Replicas and caches do not help writes: optimize the slow writes (batching, fewer indexes, shorter transactions), ' +
        'then a larger primary (database.instanceClass). Sharding Postgres is out of scope for this stack.',
    });

    // RDS Proxy reports latency in microseconds, per proxy node: Average over the proxy is what clients see.
    const proxyLatency = proxyMetric('QueryResponseLatency', 'Average');
    this.addAlarm('ProxyQueryLatency', {
      metric: proxyLatency,
      threshold: config.dbLatencyMs * 1000,
      comparison: GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: NOT_BREACHING,
      description:
        `Queries through RDS Proxy have averaged above ${config.dbLatencyMs} ms for 5 minutes (observability.dbLatencyMs). ` +
        'If the primary is busy (DbCpu, DbReadLatency), optimize the slow queries and cache reads; if the primary is idle, clients ' +
        'wait for pooled connections: check ProxyConnections and the borrow timeout (database.proxy.*).',
    });

    // The pool is what runs out: the proxy opens at most maxConnectionsPercent of max_connections
    // (it publishes that ceiling as MaxDatabaseConnectionsAllowed); beyond it clients queue for a
    // connection until connectionBorrowTimeoutSeconds. Each proxy node publishes its own datapoints,
    // and Sum adds them up (as AWS documents for these counts).
    const proxyPool = proxyMetric('DatabaseConnections', 'Sum');
    const proxyCeiling = proxyMetric('MaxDatabaseConnectionsAllowed', 'Sum');
    const proxyPoolPercent = new cloudwatch.MathExpression({
      expression: '100 * pool / ceiling',
      usingMetrics: { pool: proxyPool, ceiling: proxyCeiling },
      period: ONE_MINUTE,
      label: 'Proxy pool in use (%)',
    });
    this.addAlarm('ProxyConnections', {
      metric: proxyPoolPercent,
      threshold: config.dbConnectionsPercent,
      comparison: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      treatMissingData: NOT_BREACHING,
      description:
        `RDS Proxy has used at least ${config.dbConnectionsPercent}% of its connection pool for 5 minutes ` +
        `(observability.dbConnectionsPercent; the pool is database.proxy.maxConnectionsPercent = ${limits.proxyMaxConnectionsPercent}% ` +
        'of max_connections): clients will soon queue for connections and time out. Look for session pinning (SET statements, ' +
        'temporary tables) in the proxy logs and shorten transactions; then raise database.proxy.maxConnectionsPercent, ' +
        'or a larger primary (more max_connections).',
    });

    const replicaLagWidgets: cloudwatch.Metric[] = [];
    const replicaCpus: cloudwatch.Metric[] = [];
    database.replicas.forEach((replica, i) => {
      const n = i + 1;
      const lag = rdsMetric(replica, 'ReplicaLag', 'Maximum', ONE_MINUTE);
      replicaLagWidgets.push(lag.with({ label: `Replica ${n}` }));
      this.addAlarm(`Replica${n}Lag`, {
        metric: lag,
        threshold: config.replicaLagSeconds,
        comparison: GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        treatMissingData: MISSING,
        description:
          `Read replica ${n} has lagged the primary by more than ${config.replicaLagSeconds}s for 5 minutes ` +
          '(observability.replicaLagSeconds): reads from it may be stale. The primary writes faster than the replica replays ' +
          '(write burst, long transactions) or the replica is too small: give it the primary’s class (database.replicaInstanceClass); ' +
          'read-your-writes paths must read from the primary.',
      });
      const replicaCpu = rdsMetric(replica, 'CPUUtilization', 'Average', FIVE_MINUTES);
      replicaCpus.push(replicaCpu.with({ label: `Replica ${n}` }));
      this.addAlarm(`Replica${n}Cpu`, {
        metric: replicaCpu,
        threshold: config.dbCpuPercent,
        comparison: GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: MISSING,
        description:
          `Read replica ${n} CPU has stayed above ${config.dbCpuPercent}% for 15 minutes (observability.dbCpuPercent): the read ` +
          'load outgrows the replicas. Cache the expensive reads in Redis, add replicas (database.readReplicas, up to 15) and ' +
          'spread reads over the reader endpoints, or a larger database.replicaInstanceClass.',
      });
    });

    return [
      [
        percentGraph(
          'Database CPU (%)',
          [
            primaryCpu.with({ label: 'Primary', period: ONE_MINUTE }),
            ...replicaCpus.map((m) => m.with({ period: ONE_MINUTE })),
          ],
          config.dbCpuPercent,
        ),
        new cloudwatch.GraphWidget({
          title: 'Database connections',
          left: [connections.with({ label: 'Primary' })],
          leftAnnotations: [
            { value: connectionLimit, label: 'alarm' },
            { value: this.dbMaxConnections, label: 'max_connections', color: cloudwatch.Color.RED },
          ],
          leftYAxis: { min: 0 },
          width: 8,
        }),
        new cloudwatch.GraphWidget({
          title: 'Primary read / write latency (s)',
          left: [
            latency('ReadLatency').with({ label: 'Read' }),
            latency('WriteLatency').with({ label: 'Write' }),
          ],
          leftAnnotations: [{ value: config.dbLatencyMs / 1000, label: 'alarm' }],
          width: 8,
        }),
      ],
      [
        new cloudwatch.GraphWidget({
          title: 'Replica lag (s)',
          left: replicaLagWidgets,
          leftAnnotations: [{ value: config.replicaLagSeconds, label: 'alarm' }],
          width: 8,
        }),
        new cloudwatch.GraphWidget({
          title: 'RDS Proxy connections',
          left: [
            proxyMetric('ClientConnections', 'Sum').with({ label: 'Client connections' }),
            proxyPool.with({ label: 'Database connections (pool)' }),
            proxyCeiling.with({ label: 'Pool ceiling' }),
          ],
          leftYAxis: { min: 0 },
          width: 8,
        }),
        new cloudwatch.GraphWidget({
          title: 'RDS Proxy query latency (µs)',
          left: [proxyLatency.with({ label: 'Average' })],
          leftAnnotations: [{ value: config.dbLatencyMs * 1000, label: 'alarm' }],
          width: 8,
        }),
      ],
    ];
  }

  // ---------------------------------------------------------------------------------------------
  // Cache: ElastiCache replication group
  // ---------------------------------------------------------------------------------------------
  private cacheAlarms(props: ObservabilityProps): cloudwatch.IWidget[][] {
    const { config, limits, cache } = props;
    const nodes = cache.memberClusterIds;
    if (nodes.length === 0) {
      throw new Error('observability: the cache has no member clusters to watch (memberClusterIds is empty)');
    }
    const nodeMetric = (clusterId: string, metricName: string, statistic: string, period: Duration) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ElastiCache',
        metricName,
        dimensionsMap: { CacheClusterId: clusterId },
        statistic,
        period,
      });
    const group = cache.replicationGroupId;

    // Redis runs commands on one core per node: the busiest node is the one to watch, so alarm on
    // the maximum over the nodes (one alarm per 10 nodes, the metric-math limit).
    this.addChunkedAlarms('CacheEngineCpu', nodes, 1, (ids) => ({
      metric: aggregate(
        'MAX',
        ids,
        (id) => nodeMetric(id, 'EngineCPUUtilization', 'Average', FIVE_MINUTES),
        'Busiest node engine CPU (%)',
      ),
      threshold: config.cacheCpuPercent,
      comparison: GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: MISSING,
      description:
        `Redis engine CPU on the busiest node of ${group} has stayed above ${config.cacheCpuPercent}% for 15 minutes ` +
        '(observability.cacheCpuPercent). Vertical: a larger cache.nodeType; reads: add replicas (cache.replicas) and read from the ' +
        'reader endpoint; writes or one hot node: Redis cluster mode (cache.clusterMode + cache.shards, chosen before going live).',
    }));

    this.addChunkedAlarms('CacheMemory', nodes, 1, (ids) => ({
      metric: aggregate(
        'MAX',
        ids,
        (id) => nodeMetric(id, 'DatabaseMemoryUsagePercentage', 'Average', FIVE_MINUTES),
        'Fullest node memory (%)',
      ),
      threshold: config.cacheMemoryPercent,
      comparison: GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: MISSING,
      description:
        `Redis memory on the fullest node of ${group} has stayed above ${config.cacheMemoryPercent}% of maxmemory for 15 minutes ` +
        `(observability.cacheMemoryPercent); with ${'`'}cache.maxmemoryPolicy${'`'} keys will be evicted. Set TTLs on cached values, ` +
        'then a larger cache.nodeType, or shard with cluster mode (cache.shards).',
    }));

    this.addChunkedAlarms('CacheEvictions', nodes, 1, (ids) => ({
      metric: aggregate(
        'SUM',
        ids,
        (id) => nodeMetric(id, 'Evictions', 'Sum', ONE_MINUTE),
        'Evictions / minute',
      ),
      threshold: config.cacheEvictionsPerMinute,
      comparison: GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: NOT_BREACHING,
      description:
        `${group} evicted more than ${config.cacheEvictionsPerMinute} keys a minute in 3 of 5 minutes ` +
        '(observability.cacheEvictionsPerMinute): the cache is too small for its working set, so hit rate drops and load returns to ' +
        'the database. Larger cache.nodeType or more shards (cluster mode); shorter TTLs for rarely read keys.',
    }));

    // Hits and misses are two metrics per node, so 5 nodes per alarm.
    const minLookups = Math.max(1, config.cacheHitRateMinLookupsPerMinute * 5);
    const hitRate = (ids: readonly string[]) => {
      const usingMetrics: Record<string, cloudwatch.IMetric> = {};
      ids.forEach((id, i) => {
        usingMetrics[`hits${i}`] = nodeMetric(id, 'CacheHits', 'Sum', FIVE_MINUTES);
        usingMetrics[`misses${i}`] = nodeMetric(id, 'CacheMisses', 'Sum', FIVE_MINUTES);
      });
      const hits = `SUM([${ids.map((_, i) => `hits${i}`).join(', ')}])`;
      const misses = `SUM([${ids.map((_, i) => `misses${i}`).join(', ')}])`;
      return new cloudwatch.MathExpression({
        // Below the minimum lookup count the rate is reported as 100%: a few cold keys do not page.
        expression: `IF((${hits} + ${misses}) >= ${minLookups}, 100 * ${hits} / (${hits} + ${misses}), 100)`,
        usingMetrics,
        period: FIVE_MINUTES,
        label: 'Hit rate (%)',
      });
    };
    this.addChunkedAlarms('CacheHitRate', nodes, 2, (ids) => ({
      metric: hitRate(ids),
      threshold: config.cacheHitRatePercent,
      comparison: LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: NOT_BREACHING,
      description:
        `The hit rate of ${group} has stayed below ${config.cacheHitRatePercent}% for 15 minutes, counted only above ` +
        `${config.cacheHitRateMinLookupsPerMinute} lookups/minute (observability.cacheHitRatePercent): reads miss the cache and go to ` +
        'the database. Cache more (the expensive, often-read queries), lengthen TTLs, warm the cache after deploys; if evictions ' +
        'are high too, the cache is too small (cache.nodeType).',
    }));

    if (limits.cacheReplicas > 0) {
      // Only replicas publish ReplicationLag and roles move on failover: the maximum over all nodes
      // follows whichever nodes are replicas right now.
      this.addChunkedAlarms('CacheReplicationLag', nodes, 1, (ids) => ({
        metric: aggregate(
          'MAX',
          ids,
          (id) => nodeMetric(id, 'ReplicationLag', 'Maximum', ONE_MINUTE),
          'Replication lag (s)',
        ),
        threshold: config.cacheReplicationLagSeconds,
        comparison: GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        treatMissingData: MISSING,
        description:
          `A Redis replica of ${group} has lagged its primary by more than ${config.cacheReplicationLagSeconds}s for 5 minutes ` +
          '(observability.cacheReplicationLagSeconds): reads from the reader endpoint may be stale and a failover may lose writes. ' +
          'Usually write pressure or network: a larger cache.nodeType, or spread writes with cluster mode (cache.shards).',
      }));
    }

    const perNode = (metricName: string, statistic: string) =>
      nodes.slice(0, 50).map((id) => nodeMetric(id, metricName, statistic, ONE_MINUTE).with({ label: id }));
    return [
      [
        // Graphs have no 10-metric limit: one line for the whole group (up to 100 nodes).
        percentGraph('Cache hit rate (%)', [hitRate(nodes.slice(0, 100))], config.cacheHitRatePercent),
        percentGraph(
          'Cache engine CPU per node (%)',
          perNode('EngineCPUUtilization', 'Average'),
          config.cacheCpuPercent,
        ),
        percentGraph(
          'Cache memory per node (%)',
          perNode('DatabaseMemoryUsagePercentage', 'Average'),
          config.cacheMemoryPercent,
        ),
      ],
    ];
  }

  /**
   * One alarm per group of nodes that fits the 10-metric limit of metric math: `Name` for the
   * first group, `Name2`, `Name3`... for more (cluster mode with many shards).
   */
  private addChunkedAlarms(
    id: string,
    nodes: readonly string[],
    metricsPerNode: number,
    spec: (ids: readonly string[]) => AlarmSpec,
  ): void {
    chunk(nodes, Math.floor(MAX_METRICS_PER_ALARM / metricsPerNode)).forEach((ids, i) => {
      this.addAlarm(i === 0 ? id : `${id}${i + 1}`, spec(ids));
    });
  }

  private addAlarm(id: string, spec: AlarmSpec): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      // A readable name: it is the subject of every notification.
      alarmName: `${this.stackName}-${id}`,
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparison,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm,
      treatMissingData: spec.treatMissingData,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}

/** A dashboard graph of percentages (0-100) with its alarm line. */
function percentGraph(title: string, left: cloudwatch.IMetric[], alarmAt: number): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title,
    left,
    leftAnnotations: [{ value: alarmAt, label: 'alarm' }],
    leftYAxis: { min: 0, max: 100 },
    width: 8,
  });
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** MAX or SUM over nodes; a single node needs no math (a plain metric alarm reads better). */
function aggregate(
  fn: 'MAX' | 'SUM',
  ids: readonly string[],
  metric: (id: string) => cloudwatch.Metric,
  label: string,
): cloudwatch.IMetric {
  if (ids.length === 1) return metric(ids[0]);
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  ids.forEach((id, i) => (usingMetrics[`node${i}`] = metric(id)));
  const first = metric(ids[0]);
  return new cloudwatch.MathExpression({
    expression: `${fn}([${ids.map((_, i) => `node${i}`).join(', ')}])`,
    usingMetrics,
    period: first.period,
    label,
  });
}
