import { RemovalPolicy } from 'aws-cdk-lib';

/** What happens to a stateful resource (the database instances, the cache) when it leaves the stack. */
export type StatefulRemoval = 'retain' | 'snapshot' | 'destroy';

/**
 * "retain" is RetainExceptOnCreate: plain Retain also keeps a resource whose first create rolled
 * back, and its fixed identifier (DBInstanceIdentifier, ReplicationGroupId) then fails the retry
 * with AlreadyExists
 * (docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html).
 * "snapshot" applies to that rollback too: a final snapshot, then the delete frees the identifier.
 */
export function toRemovalPolicy(policy: StatefulRemoval): RemovalPolicy {
  switch (policy) {
    case 'retain':
      return RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;
    case 'snapshot':
      return RemovalPolicy.SNAPSHOT;
    case 'destroy':
      return RemovalPolicy.DESTROY;
  }
}
