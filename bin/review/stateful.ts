/**
 * Which resources of this stack hold data that a replacement or a removal would lose. The gate of
 * `npm run review` stops a change that replaces or removes one of them unless it is acknowledged.
 *
 * Decided from what the stack deploys (the "On change" column of the configuration reference names
 * the keys that replace them):
 * - the primary database instance: a new instance starts empty (a read replica is rebuilt from its
 *   source, so it is not on the list);
 * - a database cluster, DynamoDB table or EFS file system, should the stack ever gain one;
 * - the ElastiCache replication group: sessions and cached data live there;
 * - Secrets Manager secrets: a new secret means a new generated password or AUTH token;
 * - KMS keys: what the old key encrypted needs the old key, and a key deleted by the stack is
 *   scheduled for deletion, after which that data is unrecoverable;
 * - S3 buckets (the load balancer's access-log bucket);
 * - log groups the stack retains (DeletionPolicy Retain, RetainExceptOnCreate or Snapshot): their
 *   retention says the logs matter (flow logs, service logs).
 *
 * Sources: a replacement creates a new physical resource, then deletes the old one unless its
 * UpdateReplacePolicy keeps it; either way the stack then uses the new, empty one
 * (docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html,
 * docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html);
 * a KMS key removed from a stack is scheduled for deletion after PendingWindowInDays and cannot be
 * recovered through CloudFormation (docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-kms-key.html);
 * data encrypted under a deleted key is unrecoverable
 * (docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html).
 */

/** The parts of a CloudFormation resource the classification reads. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly [key: string]: unknown;
}

/** A synthesized CloudFormation template (only `Resources` is read here; the diff reads the rest). */
export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, TemplateResource>>;
  readonly [section: string]: unknown;
}

const RETAINING_POLICIES = new Set(['Retain', 'RetainExceptOnCreate', 'Snapshot']);

const ALWAYS_STATEFUL: Readonly<Record<string, string>> = {
  'AWS::RDS::DBCluster': 'database cluster',
  'AWS::ElastiCache::ReplicationGroup': 'cache replication group',
  'AWS::SecretsManager::Secret': 'secret',
  'AWS::KMS::Key': 'KMS key',
  'AWS::S3::Bucket': 'S3 bucket',
  'AWS::DynamoDB::Table': 'DynamoDB table',
  'AWS::DynamoDB::GlobalTable': 'DynamoDB table',
  'AWS::EFS::FileSystem': 'EFS file system',
};

/**
 * What kind of stateful resource `resource` is ("primary database instance", "secret", ...), or
 * `undefined` when replacing or removing it loses no data.
 */
export function statefulKind(resource: TemplateResource | undefined): string | undefined {
  if (!resource) return undefined;
  if (resource.Type === 'AWS::RDS::DBInstance') {
    // A read replica names its source; rebuilding it copies the primary again.
    return resource.Properties?.SourceDBInstanceIdentifier === undefined
      ? 'primary database instance'
      : undefined;
  }
  if (resource.Type === 'AWS::Logs::LogGroup') {
    return RETAINING_POLICIES.has(resource.DeletionPolicy ?? '') ? 'retained log group' : undefined;
  }
  return ALWAYS_STATEFUL[resource.Type];
}
