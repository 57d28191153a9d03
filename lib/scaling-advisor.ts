import * as path from 'path';
import { CfnOutput, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { functionBundling, functionRole } from './function-defaults';
import { privateFunctionNetwork } from './governance/function-network';
import { VERDICTS, VERDICT_CODES } from '../lambda/scaling-advisor/analysis';
import { QUERY_ADVISOR_FUNCTION_ENV, QUERY_FINDINGS_TIMEOUT_MS } from '../lambda/scaling-advisor/index';
import { MAX_QUERIES_PER_CALL, batchQueries, buildQueries } from '../lambda/scaling-advisor/queries';
import {
  ADVISOR_METRICS,
  ADVISOR_TARGETS_ENV,
  ADVISOR_TARGETS_OUTPUT,
  AdvisorTargets,
  AdvisorThresholds,
  DEFAULT_ADVISOR_NAMESPACE,
} from '../lambda/scaling-advisor/targets';
import { ObservabilityConfig, ServiceConfig } from './config/schema';
import { Observability, ObservedCache, ObservedDatabase, ObservedFirewall } from './observability';
import { Service } from './service';

/** Name of the stack output holding the function name, for on-demand runs (`aws lambda invoke`). */
export const ADVISOR_FUNCTION_NAME_OUTPUT = 'AdvisorFunctionName';

/** Lambda's limit on all environment variables of a function together (bytes). */
const LAMBDA_ENVIRONMENT_LIMIT = 4096;
/** GetMetricData returns at most this many datapoints per call; more means another page. */
const DATAPOINTS_PER_PAGE = 100_800;
const NODE_OPTIONS = '--enable-source-maps';
/** Characters an unresolved token (an ARN, a generated name) is assumed to take. */
const TOKEN_ESTIMATE = 128;

export interface ScalingAdvisorProps {
  /** Validated observability settings: schedule, window and the thresholds the advisor judges by. */
  readonly config: ObservabilityConfig;
  /** Validated service settings: task limits and the autoscaling lines. */
  readonly serviceConfig: ServiceConfig;
  /** The app tier whose metrics the advisor reads. */
  readonly service: Service;
  /** The database tier (primary, replicas, proxy). */
  readonly database: ObservedDatabase;
  /** The cache tier (replication group and its member clusters). */
  readonly cache: ObservedCache;
  /**
   * AWS WAF in front of the load balancer: the advisor does not count the requests it blocked as load.
   * @default - no web ACL
   */
  readonly firewall?: ObservedFirewall;
  /** Alarm topic (notified when the verdict changes) and dashboard (gets the verdict widgets). */
  readonly observability: Observability;
  /** Retention of the function's log group (days, a CloudWatch Logs retention value). */
  readonly logRetentionDays: number;
  /**
   * VPC whose private subnets the function runs in (HTTPS out through the NAT gateway).
   * @default - outside any VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Namespace of the advisor's own metrics (verdict and headroom).
   * @default DEFAULT_ADVISOR_NAMESPACE (`ScalableBackend/Advisor`)
   */
  readonly namespace?: string;
  /**
   * The query advisor function (lib/database/query-advisor.ts): run on the same schedule, and
   * invoked for a database verdict so its notification names the statements and candidates.
   * @default - no query findings
   */
  readonly queryAdvisor?: lambda.IFunction;
}

/**
 * The scaling advisor: a Lambda function that reads the last `advisorWindowMinutes` of the stack's
 * metrics every `advisorScheduleMinutes`, names the bottleneck, publishes its verdict and per-tier
 * headroom as metrics, and notifies the alarm topic when the verdict changes. It can also be run on
 * demand (`aws lambda invoke --function-name <AdvisorFunctionName>`), and the same analysis runs
 * from a laptop with `npm run advisor -- <stack name>`, which finds everything in the
 * `AdvisorTargets` stack output.
 *
 * Bundled with a local esbuild (no Docker); the AWS SDK v3 comes from the Lambda runtime.
 */
export class ScalingAdvisor extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly schedule: events.Rule;
  /** What the function receives in `ADVISOR_TARGETS` (may contain tokens). */
  readonly targets: AdvisorTargets;

  constructor(scope: Construct, id: string, props: ScalingAdvisorProps) {
    super(scope, id);
    const { config, serviceConfig, observability } = props;
    const stack = Stack.of(this);
    const namespace = props.namespace ?? DEFAULT_ADVISOR_NAMESPACE;
    const { loadBalancer, targetGroup, cluster, service } = props.service;

    this.targets = {
      stackName: stack.stackName,
      namespace,
      windowMinutes: config.advisorWindowMinutes,
      loadBalancerFullName: loadBalancer.loadBalancerFullName,
      targetGroupFullName: targetGroup.targetGroupFullName,
      // Canary, linear and blue/green services: the groups swap roles every release.
      ...(props.service.release
        ? { alternateTargetGroupFullName: props.service.release.alternateTargetGroup.targetGroupFullName }
        : {}),
      clusterName: cluster.clusterName,
      serviceName: service.serviceName,
      minTasks: serviceConfig.minTasks,
      maxTasks: serviceConfig.maxTasks,
      dbInstanceId: props.database.primary.instanceIdentifier,
      replicaInstanceIds: props.database.replicas.map((r) => r.instanceIdentifier),
      proxyName: props.database.proxy.dbProxyName,
      cacheReplicationGroupId: props.cache.replicationGroupId,
      cacheClusterIds: [...props.cache.memberClusterIds],
      topicArn: observability.topic.topicArn,
      ...(props.firewall ? { webAcl: { metricName: props.firewall.metricName, region: stack.region } } : {}),
      thresholds: advisorThresholds(config, serviceConfig),
    };
    const targetsJson = stack.toJsonString(this.targets);
    assertFitsEnvironment(
      this.targets,
      props.queryAdvisor ? QUERY_ADVISOR_FUNCTION_ENV.length + TOKEN_ESTIMATE : 0,
    );

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      // The reports are operational history, not data: they go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An explicit role instead of the default one: no AWSLambdaBasicExecutionRole managed policy,
    // log writes limited to this function's log group.
    this.role = functionRole(
      this,
      'Role',
      `Scaling advisor of ${stack.stackName}: reads metrics, publishes its verdict`,
      this.logGroup,
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadMetrics',
        // GetMetricData has no resource-level permissions: the API requires "*".
        actions: ['cloudwatch:GetMetricData'],
        resources: ['*'],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PublishOwnMetrics',
        // PutMetricData has no resource-level permissions either; the namespace condition is the scope.
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': namespace } },
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'NotifyVerdictChanges',
        actions: ['sns:Publish'],
        resources: [observability.topic.topicArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptForTheTopic',
        // SNS encrypts each published message with a data key of the topic's key.
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [observability.topicKey.keyArn],
      }),
    );
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:GetMetricData and cloudwatch:PutMetricData support no resource-level permissions (the API requires "*"); ' +
        'PutMetricData is limited to the advisor namespace by the cloudwatch:namespace condition.',
    });

    const queries = buildQueries(this.targets);
    const pages = batchQueries(queries, MAX_QUERIES_PER_CALL).reduce(
      (sum, batch) => sum + Math.ceil((batch.length * config.advisorWindowMinutes) / DATAPOINTS_PER_PAGE),
      0,
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: `Scaling advisor of ${stack.stackName}: names the bottleneck every ${config.advisorScheduleMinutes} min`,
      entry: path.join(__dirname, '..', 'lambda', 'scaling-advisor', 'index.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // One GetMetricData call per page; 10 s each leaves room for throttling retries with backoff,
      // plus 30 s for the SNS/PutMetricData calls and a cold start.
      // With the query advisor, up to QUERY_FINDINGS_TIMEOUT_MS more for its findings on a database verdict.
      timeout: Duration.seconds(
        Math.min(900, 30 + 10 * pages + (props.queryAdvisor ? QUERY_FINDINGS_TIMEOUT_MS / 1000 : 0)),
      ),
      // No reserved concurrency: Lambda keeps at least 10 unreserved executions per account and new
      // accounts often have 10 in total, so any reservation fails to create there
      // (docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html). Overlapping runs are
      // harmless instead: both judge the same minute-aligned window and write the same verdict into
      // the same minute, which every later run reads (test/lambda/scaling-advisor/handler.test.ts).
      role: this.role,
      logGroup: this.logGroup,
      ...(props.vpc ? privateFunctionNetwork(this, props.vpc, this.role) : {}),
      environment: {
        [ADVISOR_TARGETS_ENV]: targetsJson,
        ...(props.queryAdvisor ? { [QUERY_ADVISOR_FUNCTION_ENV]: props.queryAdvisor.functionName } : {}),
        // Stack traces point into the TypeScript sources (the bundle ships its source map).
        NODE_OPTIONS: NODE_OPTIONS,
      },
      // A missed run is replaced by the next scheduled one: no retries, no stale events.
      retryAttempts: 0,
      // (Lambda accepts 60 s to 6 h.)
      maxEventAge: Duration.seconds(Math.min(6 * 3600, Math.max(60, config.advisorScheduleMinutes * 60))),
      // Provided by the Lambda runtime; bundling them would multiply the bundle size.
      bundling: functionBundling(['@aws-sdk/*', '@smithy/*']),
    });

    this.schedule = new events.Rule(this, 'Schedule', {
      description: `Runs the scaling advisor of ${stack.stackName} every ${config.advisorScheduleMinutes} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(config.advisorScheduleMinutes)),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });
    if (props.queryAdvisor) {
      // Same schedule: the query advisor logs its report every run; the scaling advisor also invokes
      // it when a database verdict is to be notified.
      this.schedule.addTarget(new targets.LambdaFunction(props.queryAdvisor, { retryAttempts: 0 }));
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'InvokeTheQueryAdvisor',
          actions: ['lambda:InvokeFunction'],
          resources: [props.queryAdvisor.functionArn],
        }),
      );
    }

    // Stack outputs with fixed logical ids: `npm run advisor -- <stack>` looks them up by key.
    new CfnOutput(this, 'TargetsOutput', {
      description: 'Scaling advisor targets (JSON), read by `npm run advisor -- <stack name>`',
      value: targetsJson,
    }).overrideLogicalId(ADVISOR_TARGETS_OUTPUT);
    new CfnOutput(this, 'FunctionNameOutput', {
      description:
        'Scaling advisor function; run it on demand with `aws lambda invoke --function-name <name> out.json`',
      value: this.function.functionName,
    }).overrideLogicalId(ADVISOR_FUNCTION_NAME_OUTPUT);

    for (const row of advisorWidgets(stack.stackName, namespace, config.advisorScheduleMinutes)) {
      observability.addDashboardWidgets(...row);
    }
  }
}

/** The advisor judges by the alarm thresholds and the autoscaling lines, so the two never disagree. */
export function advisorThresholds(config: ObservabilityConfig, service: ServiceConfig): AdvisorThresholds {
  return {
    p95ResponseTimeSeconds: config.p95ResponseTimeSeconds,
    errorRatePercent: config.errorRatePercent,
    errorRateMinRequestsPerMinute: config.errorRateMinRequestsPerMinute,
    serviceCpuPercent: config.serviceCpuPercent,
    serviceMemoryPercent: config.serviceMemoryPercent,
    scaleOutCpuPercent: service.scaling.scaleOutCpuPercent,
    scaleInCpuPercent: service.scaling.scaleInCpuPercent,
    dbCpuPercent: config.dbCpuPercent,
    dbFreeableMemoryMiB: config.dbFreeableMemoryMiB,
    dbConnectionsPercent: config.dbConnectionsPercent,
    dbLatencyMs: config.dbLatencyMs,
    replicaLagSeconds: config.replicaLagSeconds,
    cacheCpuPercent: config.cacheCpuPercent,
    cacheMemoryPercent: config.cacheMemoryPercent,
    cacheEvictionsPerMinute: config.cacheEvictionsPerMinute,
    cacheHitRatePercent: config.cacheHitRatePercent,
    cacheHitRateMinLookupsPerMinute: config.cacheHitRateMinLookupsPerMinute,
    cacheReplicationLagSeconds: config.cacheReplicationLagSeconds,
  };
}

/**
 * Lambda rejects a function whose environment exceeds 4 KB, at deploy time. Estimate the JSON with
 * every unresolved token at 128 characters (ARNs and generated names are shorter) and fail at synth.
 */
function assertFitsEnvironment(t: AdvisorTargets, otherBytes = 0): void {
  const estimate = JSON.stringify(t, (_key, value) =>
    typeof value === 'string' && Token.isUnresolved(value) ? 'x'.repeat(TOKEN_ESTIMATE) : value,
  ).length;
  if (
    estimate + otherBytes + ADVISOR_TARGETS_ENV.length + 'NODE_OPTIONS'.length + NODE_OPTIONS.length >
    LAMBDA_ENVIRONMENT_LIMIT
  ) {
    throw new Error(
      `scaling advisor: its targets (${t.cacheClusterIds.length} cache nodes, ${t.replicaInstanceIds.length} replicas) ` +
        `need about ${estimate} bytes of environment, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT}-byte limit. ` +
        'Use fewer cache shards or replicas.',
    );
  }
}

/** Verdict and headroom widgets for the environment's dashboard, as rows. */
function advisorWidgets(
  stackName: string,
  namespace: string,
  scheduleMinutes: number,
): cloudwatch.IWidget[][] {
  const period = Duration.minutes(Math.max(scheduleMinutes, 1));
  const verdict = new cloudwatch.Metric({
    namespace,
    metricName: ADVISOR_METRICS.verdict,
    dimensionsMap: { [ADVISOR_METRICS.stackDimension]: stackName },
    statistic: 'Maximum',
    period,
    label: 'Verdict code',
  });
  const headroom = new cloudwatch.MathExpression({
    // One line per tier, whatever tiers the advisor reports.
    expression: `SEARCH('{${namespace},${ADVISOR_METRICS.stackDimension},${ADVISOR_METRICS.tierDimension}} MetricName="${ADVISOR_METRICS.headroom}" ${ADVISOR_METRICS.stackDimension}="${stackName}"', 'Minimum', ${period.toSeconds()})`,
    period,
    label: '',
  });
  const legend = [...VERDICTS]
    .sort((a, b) => VERDICT_CODES[a] - VERDICT_CODES[b])
    .map((v) => `${VERDICT_CODES[v]} ${v}`)
    .join(' · ');
  return [
    [
      new cloudwatch.TextWidget({
        markdown: `**Scaling advisor verdict codes:** ${legend}. Details: the advisor's log group, or \`npm run advisor -- ${stackName}\`.`,
        width: 24,
        height: 2,
      }),
    ],
    [
      new cloudwatch.SingleValueWidget({
        title: 'Scaling advisor: verdict (latest)',
        metrics: [verdict],
        width: 6,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Scaling advisor: verdict over time',
        left: [verdict],
        width: 9,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Scaling advisor: headroom per tier (%)',
        left: [headroom],
        leftYAxis: { min: 0, max: 100 },
        width: 9,
        height: 6,
      }),
    ],
  ];
}
