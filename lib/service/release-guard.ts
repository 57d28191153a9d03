/**
 * What makes a release safe once it runs: the release alarms ECS watches to roll a deployment back,
 * the smoke-test lifecycle hook that judges a new revision before production traffic reaches it,
 * and the notification of a failed (rolled back) deployment on the alarm topic.
 */
import * as path from 'path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { SMOKE_TEST_ENV, SmokeTestSettings } from '../../lambda/smoke-test/check';
import { DeploymentConfig, ObservabilityConfig } from '../config/schema';
import { functionBundling, functionRole } from '../function-defaults';
import {
  AlarmFactory,
  GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  GREATER_THAN_THRESHOLD,
  NOT_BREACHING,
  ONE_MINUTE,
} from '../observability/alarms';
import type { Service } from '.';
import { RELEASE_TEST_HEADER } from './deployment';

/**
 * Below this many requests a minute on one target group the release 5xx rate counts as 0: with a
 * 10 % canary of a quiet service, one failed request of three would otherwise roll back.
 */
export const RELEASE_MIN_REQUESTS_PER_MINUTE = 5;

export interface ReleaseGuardProps {
  readonly service: Service;
  readonly config: DeploymentConfig;
  /** Thresholds of the 5xx rate and p95 latency alarms, shared with the stack's own alarms. */
  readonly observability: ObservabilityConfig;
  /** The alarm topic: release alarms and failed deployments notify it. */
  readonly topic: sns.ITopic;
  /** Retention of the smoke-test function's log group (days). */
  readonly logRetentionDays: number;
}

/**
 * Release safety of the service.
 *
 * Release alarms, per target group (with a traffic-shifting strategy the two groups swap roles
 * every release, so both are watched): 5xx rate of the targets, p95 target response time, unhealthy
 * targets. These three say "this revision is bad" within minutes of traffic reaching it; CPU,
 * memory and database alarms are left out on purpose: they move with load (which autoscaling
 * answers) or with a shared tier, and would roll back good releases. ECS rolls back when one of
 * them is in ALARM during the deployment or its bake time
 * (docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html).
 */
export class ReleaseGuard extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The smoke-test hook; absent with the `rolling` strategy (no test listener rule). */
  readonly smokeTest?: nodejs.NodejsFunction;
  readonly failureNotification: events.Rule;

  constructor(scope: Construct, id: string, props: ReleaseGuardProps) {
    super(scope, id);
    const { service, config, observability } = props;
    const stackName = Stack.of(this).stackName;
    const topicAction = new actions.SnsAction(props.topic);
    // Names start with the stack name: the topic and its key admit exactly this stack's alarms.
    const factory = new AlarmFactory(this, stackName, topicAction, this.alarms);
    const groups: [string, elbv2.ApplicationTargetGroup][] = [['Primary', service.targetGroup]];
    if (service.release) groups.push(['Alternate', service.release.alternateTargetGroup]);
    for (const [name, group] of groups) this.addReleaseAlarms(factory, name, group, observability);
    // Literal names (the factory's `<stack>-<id>`), not the alarms' Ref tokens: the service would
    // otherwise depend on alarms that depend on the service's target groups.
    service.service.enableDeploymentAlarms(
      this.alarms.map((a) => `${stackName}-${a.node.id}`),
      { behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM },
    );
    // ECS checks the alarm names when the service is created or updated: the alarms come first.
    // (On the service resource only: its scaling target and policies need not wait.)
    service.service.node.defaultChild!.node.addDependency(...this.alarms);

    if (service.release) {
      this.smokeTest = this.addSmokeTest(service, config, props.logRetentionDays);
    }

    // ECS reports a failed deployment (a rollback included) as SERVICE_DEPLOYMENT_FAILED
    // (docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service_deployment_events.html).
    this.failureNotification = new events.Rule(this, 'FailedDeployment', {
      description: `Notifies the alarm topic of ${stackName} when a deployment of the service fails or rolls back`,
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Deployment State Change'],
        resources: [service.service.serviceArn],
        detail: { eventName: ['SERVICE_DEPLOYMENT_FAILED'] },
      },
      targets: [
        new targets.SnsTopic(props.topic, {
          // EventBridge publishes through a role of this rule that may use the topic and its key, so
          // neither the topic nor the key policy admits the EventBridge service for every rule.
          authorizeUsingRole: true,
          message: events.RuleTargetInput.fromText(
            `${stackName}: deployment ${events.EventField.fromPath('$.detail.deploymentId')} of the service failed ` +
              `and was rolled back: ${events.EventField.fromPath('$.detail.reason')}`,
          ),
        }),
      ],
    });
    Validations.of(this.failureNotification).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        "SNS topic grantPublish: the rule's role may call the GenerateDataKey variants on the alarm topic's key only, which SNS needs to encrypt the message it publishes.",
    });
  }

  private addReleaseAlarms(
    factory: AlarmFactory,
    group: string,
    targetGroup: elbv2.ApplicationTargetGroup,
    observability: ObservabilityConfig,
  ): void {
    const requests = targetGroup.metrics.requestCount({ statistic: 'Sum', period: ONE_MINUTE });
    const errors = targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
      statistic: 'Sum',
      period: ONE_MINUTE,
    });
    // 2 of 3 one-minute periods: a bad canary is caught within its first minutes, a single noisy
    // minute is not a rollback.
    const window = { evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: NOT_BREACHING };
    factory.addAlarm(`Release${group}ErrorRate`, {
      metric: new cloudwatch.MathExpression({
        expression: `IF(requests >= ${RELEASE_MIN_REQUESTS_PER_MINUTE}, 100 * FILL(errors, 0) / requests, 0)`,
        usingMetrics: { requests, errors },
        period: ONE_MINUTE,
        label: `5xx rate of the ${group.toLowerCase()} target group (%)`,
      }),
      threshold: observability.errorRatePercent,
      comparison: GREATER_THAN_THRESHOLD,
      ...window,
      description:
        `Release guard: more than ${observability.errorRatePercent}% of the requests to the ${group.toLowerCase()} target group ` +
        `failed with a target 5xx in 2 of 3 minutes (observability.errorRatePercent, from ${RELEASE_MIN_REQUESTS_PER_MINUTE} requests/minute). ` +
        'During a deployment ECS rolls back; otherwise read the application logs.',
    });
    factory.addAlarm(`Release${group}ResponseTimeP95`, {
      metric: targetGroup.metrics.targetResponseTime({ statistic: 'p95', period: ONE_MINUTE }),
      threshold: observability.p95ResponseTimeSeconds,
      comparison: GREATER_THAN_THRESHOLD,
      ...window,
      description:
        `Release guard: p95 response time of the ${group.toLowerCase()} target group above ${observability.p95ResponseTimeSeconds}s ` +
        'in 2 of 3 minutes (observability.p95ResponseTimeSeconds). During a deployment ECS rolls back.',
    });
    factory.addAlarm(`Release${group}UnhealthyTargets`, {
      metric: targetGroup.metrics.unhealthyHostCount({ statistic: 'Maximum', period: ONE_MINUTE }),
      threshold: 1,
      comparison: GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      ...window,
      description:
        `Release guard: a task of the ${group.toLowerCase()} target group failed load balancer health checks in 2 of 3 minutes. ` +
        'During a deployment ECS rolls back; otherwise see the UnhealthyTargets alarm.',
    });
  }

  private addSmokeTest(
    service: Service,
    config: DeploymentConfig,
    logRetentionDays: number,
  ): nodejs.NodejsFunction {
    const stack = Stack.of(this);
    const release = service.release!;
    const settings: SmokeTestSettings = {
      // The serving listener: the custom domain (which the certificate names) when there is one.
      baseUrl: service.url,
      headerName: RELEASE_TEST_HEADER,
      headerValue: release.testHeaderValue,
      paths: config.smokeTest.paths,
      expectedStatus: config.smokeTest.expectedStatus,
      maxResponseMs: config.smokeTest.maxResponseMs,
      verifyHostname: !(service.https && !service.domain),
    };
    const logGroup = new logs.LogGroup(this, 'SmokeTestLogs', {
      retention: logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = functionRole(
      this,
      'SmokeTestRole',
      `Smoke test of new revisions of ${stack.stackName}`,
      logGroup,
    );
    const fn = new nodejs.NodejsFunction(this, 'SmokeTest', {
      description: `Smoke test of a new revision of ${stack.stackName} (ECS lifecycle hook, test listener rule)`,
      entry: path.join(__dirname, '..', '..', 'lambda', 'smoke-test', 'index.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // Outside the VPC on purpose: it calls the public load balancer like a client would, through WAF.
      timeout: Duration.seconds(
        Math.ceil((config.smokeTest.paths.length * config.smokeTest.maxResponseMs) / 1000) + 15,
      ),
      role,
      logGroup,
      environment: { [SMOKE_TEST_ENV]: stack.toJsonString(settings), NODE_OPTIONS: '--enable-source-maps' },
      // ECS invokes the hook itself and rolls back when it fails: no Lambda retries.
      retryAttempts: 0,
      bundling: functionBundling(['@aws-sdk/*', '@smithy/*']),
    });
    // The role ECS assumes to invoke the hook: this function only (no version or alias wildcard).
    const invokeRole = new iam.Role(this, 'SmokeTestInvokeRole', {
      assumedBy: new iam.ServicePrincipal('ecs.amazonaws.com'),
      description: `Lets ECS run the smoke-test hook of ${stack.stackName}`,
    });
    invokeRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }),
    );
    service.service.addLifecycleHook(
      new ecs.DeploymentLifecycleLambdaTarget(fn, 'SmokeTestHook', {
        role: invokeRole,
        // Test traffic reaches the new revision, production traffic does not yet.
        lifecycleStages: [ecs.DeploymentLifecycleStage.POST_TEST_TRAFFIC_SHIFT],
      }),
    );
    return fn;
  }
}
