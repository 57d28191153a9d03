/**
 * The `Observability` construct: the encrypted alarm topic, and the alarms and dashboard of every
 * tier composed from the files of this folder (`service.ts`, `edge.ts`, `database.ts`, `cache.ts`,
 * `dashboard.ts`, shared helpers in `alarms.ts`). Other files import the tier's public API from here.
 */
import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ObservabilityConfig } from '../config/schema';
import { Service } from '../service';
import { AlarmFactory, ObservedLimits } from './alarms';
import { ObservedCache, cacheAlarms } from './cache';
import { scalingDashboard } from './dashboard';
import { ObservedDatabase, databaseAlarms, postgresMaxConnections } from './database';
import { ObservedFirewall, edgeAlarms } from './edge';
import { serviceAlarms } from './service';

export { MAX_METRICS_PER_ALARM } from './alarms';
export {
  POSTGRES_BYTES_PER_CONNECTION,
  POSTGRES_MAX_CONNECTIONS_CAP,
  instanceClassMemoryGiB,
  postgresMaxConnections,
} from './database';
export type { ObservedLimits } from './alarms';
export type { ObservedCache } from './cache';
export type { ObservedDatabase } from './database';
export type { ObservedFirewall } from './edge';

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

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { config, limits } = props;
    const stackName = Stack.of(this).stackName;

    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: `Encrypts the alarm topic of ${stackName}`,
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
    const thisStacksAlarms = `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${stackName}-*`;
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
      displayName: `${stackName} alarms`,
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

    this.dbMaxConnections = config.dbMaxConnections ?? postgresMaxConnections(limits.dbInstanceClass);

    // Every alarm is a direct child of this construct, whichever tier file defines it.
    const alarms = new AlarmFactory(this, stackName, new actions.SnsAction(this.topic), this.alarms);
    const app = [
      ...serviceAlarms(alarms, config, props.service, limits),
      ...(props.firewall ? edgeAlarms(alarms, config, props.firewall) : []),
    ];
    const db = databaseAlarms(alarms, config, props.database, limits, this.dbMaxConnections);
    const cache = cacheAlarms(alarms, config, props.cache, limits);

    this.dashboard = scalingDashboard(this, stackName, props.envName, this.alarms, [...app, ...db, ...cache]);
  }

  /** Append a row of widgets to the dashboard. */
  addDashboardWidgets(...widgets: cloudwatch.IWidget[]): void {
    this.dashboard.addWidgets(...widgets);
  }
}
