import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { VENDED_LOGS_PREFIX } from '../aws-conventions';

/**
 * What Secrets Manager reports (through CloudTrail, as an "AWS Service Event") when a rotation
 * of a secret has finished: the new version is `AWSCURRENT`. The secret's ARN is in
 * `detail.additionalEventData.SecretId`, as in the Secrets Manager user guide's example
 * ("Match AWS Secrets Manager events with Amazon EventBridge").
 */
export const ROTATION_SUCCEEDED = {
  source: 'aws.secretsmanager',
  detailType: 'AWS Service Event via CloudTrail',
  eventSource: 'secretsmanager.amazonaws.com',
  eventName: 'RotationSucceeded',
} as const;

/**
 * Errors of `ecs:UpdateService` worth retrying: API throttling and ECS's own server-side failures.
 * Step Functions names SDK errors `<Service>.<Exception>` in PascalCase. Client errors (service or
 * cluster not found, access denied) are not retried: they fail the execution, visibly.
 */
const RETRYABLE_ERRORS = ['Ecs.ThrottlingException', 'Ecs.ServerException'] as const;

export interface SecretRotationRedeployProps {
  /** The secret whose successful rotation triggers the redeployment (the database master secret). */
  readonly secret: secretsmanager.ISecret;
  /**
   * The service whose tasks read `secret` at task start (ECS secrets); it is redeployed, in its
   * own cluster, with its own deployment settings (circuit breaker, minimum healthy percent).
   */
  readonly service: ecs.FargateService;
  /**
   * Retention of the state machine's execution log, in days (a value of `logs.RetentionDays`).
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Attempts of `ecs:UpdateService` on a retryable error (throttling, server errors) after the
   * first one, with exponential backoff and jitter from 5 seconds.
   * @default 6
   */
  readonly maxAttempts?: number;
}

/**
 * Rolls an ECS service after each successful rotation of a secret that its tasks receive as ECS
 * secrets.
 *
 * ECS resolves secrets once, at task start: after a single-user rotation of the database master
 * secret, RDS Proxy authenticates with the new password, and a task started before the rotation
 * cannot open new connections until it is replaced. An EventBridge rule on the default bus
 * matches Secrets Manager's `RotationSucceeded` event for exactly this secret and starts a
 * Step Functions state machine with a single `ecs:UpdateService` call (`forceNewDeployment`): new
 * tasks read the new password, and the service's circuit breaker and minimum healthy percent keep
 * the old ones serving until the new ones are healthy. A direct SDK integration, so there is no
 * function to patch; the executions are the audit trail (Step Functions console).
 *
 * Preconditions: the event arrives through CloudTrail's delivery to EventBridge, which AWS
 * documents as best effort; an event that is lost leaves the service as before (the manual
 * `aws ecs update-service --force-new-deployment` is the fallback).
 */
export class SecretRotationRedeploy extends Construct {
  /** The rule matching `RotationSucceeded` of the secret. */
  readonly rule: events.Rule;
  /** The state machine that forces the new deployment. */
  readonly stateMachine: sfn.StateMachine;
  /** Execution log of the state machine (level ALL, without execution data). */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: SecretRotationRedeployProps) {
    super(scope, id);
    const { secret, service } = props;
    const maxAttempts = props.maxAttempts ?? 6;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 0 || maxAttempts > 99999999) {
      throw new Error(`maxAttempts must be an integer from 0 to 99999999, got ${maxAttempts}`);
    }

    const forceNewDeployment = new tasks.CallAwsService(this, 'ForceNewDeployment', {
      comment: 'Replace every task, so each reads the rotated secret at start',
      service: 'ecs',
      action: 'updateService',
      parameters: {
        Cluster: service.cluster.clusterArn,
        Service: service.serviceArn,
        ForceNewDeployment: true,
      },
      // The IAM action's spelling; the default (`ecs:updateService`) would work too, since IAM
      // actions are case-insensitive, but would read like a different action in reviews.
      iamAction: 'ecs:UpdateService',
      iamResources: [service.serviceArn],
    });
    forceNewDeployment.addRetry({
      errors: [...RETRYABLE_ERRORS],
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts,
      jitterStrategy: sfn.JitterType.FULL,
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // Step Functions delivers a vended log: /aws/vendedlogs/ keeps the account's log resource policy
      // under its 5,120-character limit (Step Functions Developer Guide, "Logging using CloudWatch Logs").
      logGroupName: `${VENDED_LOGS_PREFIX}states/${Stack.of(this).stackName}-rotation-redeploy`,
      retention: (props.logRetentionDays ?? 30) as logs.RetentionDays,
      // Execution history, not data: it goes with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Force a new deployment of the service after its secret rotated',
      definitionBody: sfn.DefinitionBody.fromChainable(forceNewDeployment),
      // STANDARD: exactly-once execution and a 90-day execution history, for a run every few weeks.
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.minutes(15),
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: sfn.LogLevel.ALL,
        // The input is the CloudTrail event and the output ECS's description of the service
        // (task definition ARN, deployments, events): nothing secret, nothing the log needs either;
        // the execution history in Step Functions keeps both.
        includeExecutionData: false,
      },
    });
    // The policy CDK writes for a state machine with logging and tracing: the log-delivery actions
    // (logs:CreateLogDelivery, ...PutResourcePolicy, ...DescribeLogGroups, ...) and X-Ray's
    // PutTraceSegments/PutTelemetryRecords/GetSampling* support no resource-level permissions.
    Validations.of(this.stateMachine.role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudWatch Logs vended-log delivery (logs:*LogDelivery*, DescribeResourcePolicies, DescribeLogGroups, PutResourcePolicy) and ' +
        'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) support no resource-level ' +
        'permissions and require "*"; the only other statement is ecs:UpdateService on this one service.',
    });

    this.rule = new events.Rule(this, 'RotationSucceeded', {
      description: 'Secrets Manager rotated the secret: force a new deployment of the service',
      eventPattern: {
        source: [ROTATION_SUCCEEDED.source],
        detailType: [ROTATION_SUCCEEDED.detailType],
        detail: {
          eventSource: [ROTATION_SUCCEEDED.eventSource],
          eventName: [ROTATION_SUCCEEDED.eventName],
          additionalEventData: { SecretId: [secret.secretArn] },
        },
      },
    });
    // The event itself is the execution input: each execution names the rotation (event id, time)
    // that started it. EventBridge's default retries (24 hours) cover a throttled StartExecution.
    this.rule.addTarget(new targets.SfnStateMachine(this.stateMachine));
  }
}
