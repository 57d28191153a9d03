import { Annotations, Arn, ArnFormat, Aspects, Aws, IAspect, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';

/**
 * The key policy statement Control Tower asks for on every KMS key (CT.KMS.PR.3): nobody may create
 * a grant on the key unless the grant is for an AWS resource (a service such as RDS or Secrets
 * Manager creating it on the caller's behalf) or the caller is an AWS service. Services integrated
 * with KMS keep working; a person or role can no longer hand out key use with a grant
 * (docs.aws.amazon.com/controltower/latest/controlreference/kms-rules.html#ct-kms-pr-3-description,
 * docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource).
 */
export function denyGrantsExceptForAwsResources(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyGrantsExceptForAwsResources',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
    },
  });
}

/** Adds {@link denyGrantsExceptForAwsResources} to every KMS key of the scope, new ones included. */
export class KeyGrantsForAwsResourcesOnly implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof kms.Key) {
      node.addToResourcePolicy(denyGrantsExceptForAwsResources());
    } else if (node instanceof kms.CfnKey && !(node.node.scope instanceof kms.Key)) {
      Annotations.of(node).addError(
        'A KMS key declared as CfnKey: give it the DenyGrantsExceptForAwsResources statement of lib/governance/hardening.ts, or build it with kms.Key.',
      );
    }
  }
}

export interface LogGroupDefaultsProps {
  /** Key that encrypts every log group of the stack that names no key of its own. */
  readonly key: kms.IKey;
  /**
   * Retention floor (days): a shorter retention is raised to it; "never expire" stays.
   * @default - each log group keeps its own retention
   */
  readonly minimumRetentionDays?: number;
}

/**
 * One place for what every log group of a stack gets, whichever tier (or later change) declares it:
 * encryption with the stack's log key (CT.CLOUDWATCH.PR.3) and the retention floor of
 * `compliance.minimumLogRetentionDays` (CT.CLOUDWATCH.PR.2). Both are in-place updates of an existing
 * log group (AssociateKmsKey, PutRetentionPolicy): no log group is replaced.
 */
export class LogGroupDefaults implements IAspect {
  constructor(private readonly props: LogGroupDefaultsProps) {}

  visit(node: IConstruct): void {
    if (!(node instanceof logs.CfnLogGroup)) return;
    if (node.kmsKeyId === undefined) node.kmsKeyId = this.props.key.keyArn;
    const floor = this.props.minimumRetentionDays;
    const current = node.retentionInDays;
    if (floor !== undefined && current !== undefined && !Token.isUnresolved(current) && current < floor) {
      node.retentionInDays = floor;
    }
  }
}

/**
 * The customer managed key of the stack's log groups. CloudWatch Logs uses it for log groups of this
 * account and region only (the encryption context names the log group ARN: the confused-deputy
 * guard, docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html). Kept when the
 * stack goes, like the log groups it protects (several are retained: without the key their events
 * could never be read again).
 */
export function createLogKey(scope: Construct, id: string): kms.Key {
  const stack = Stack.of(scope);
  const key = new kms.Key(scope, id, {
    description: `${stack.stackName}: encrypts the log groups`,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsOfThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': Arn.format(
            {
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            },
            stack,
          ),
        },
      },
    }),
  );
  return key;
}

/** Apply the stack-wide hardening: the KMS grant guard and the log group defaults. */
export function applyHardening(stack: Stack, logs: LogGroupDefaultsProps): void {
  Aspects.of(stack).add(new KeyGrantsForAwsResourcesOnly());
  Aspects.of(stack).add(new LogGroupDefaults(logs));
}
