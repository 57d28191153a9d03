/**
 * The pure half of `npm run teardown`: from a deployed stack's resources and template, the ordered
 * steps that delete it without leaving it in DELETE_FAILED, and everything that stays behind.
 *
 * Why the steps exist:
 * - prod protects itself three ways: stack termination protection, the load balancer's
 *   `deletion_protection.enabled` and the primary's `DeletionProtection`. Each refuses the delete
 *   until it is turned off (CloudFormation User Guide, "Protect a stack from being deleted"; ELB
 *   attribute `deletion_protection.enabled`; RDS `DeletionProtection`).
 * - Resources with DeletionPolicy Retain or RetainExceptOnCreate survive the stack delete, but a
 *   retained database or cache keeps its network interfaces in the stack's subnets and security
 *   groups, so CloudFormation cannot delete those and the stack ends in DELETE_FAILED
 *   (docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html).
 *   The tool therefore deletes the retained instances first (the primary with a final snapshot),
 *   then their subnet groups, then the stack.
 * - Read replicas go before their primary: deleting a source instance would promote them instead.
 */

/** One resource of the deployed stack, with what its template says. */
export interface DeployedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId: string;
  readonly deletionPolicy?: string;
  readonly properties: Record<string, unknown>;
}

export type Step =
  | { readonly kind: 'termination-protection-off' }
  | { readonly kind: 'load-balancer-protection-off'; readonly arn: string }
  | { readonly kind: 'database-protection-off'; readonly id: string }
  | { readonly kind: 'delete-replica'; readonly id: string }
  | { readonly kind: 'delete-primary'; readonly id: string; readonly finalSnapshot?: string }
  | { readonly kind: 'delete-cache'; readonly id: string }
  | { readonly kind: 'delete-db-subnet-group'; readonly name: string }
  | { readonly kind: 'delete-cache-subnet-group'; readonly name: string }
  | { readonly kind: 'delete-stack'; readonly byCloudFormation: number };

/** Something that exists after the teardown and keeps costing money until deleted by hand. */
export interface Leftover {
  readonly what: string;
  readonly id: string;
  /** How to delete it once it is no longer needed. */
  readonly deleteWith: string;
}

export interface TeardownPlan {
  readonly stackName: string;
  readonly steps: readonly Step[];
  readonly leftovers: readonly Leftover[];
}

export interface PlanInput {
  readonly stackName: string;
  readonly terminationProtection: boolean;
  readonly resources: readonly DeployedResource[];
  /** Name of the primary's final snapshot, or undefined with `--skip-final-snapshot`. */
  readonly finalSnapshot?: string;
}

const RETAINING = new Set(['Retain', 'RetainExceptOnCreate']);

/** Types whose retained instance sits in the stack's subnets and security groups. */
const PLACED = new Set(['AWS::RDS::DBInstance', 'AWS::ElastiCache::ReplicationGroup']);

export function planTeardown(input: PlanInput): TeardownPlan {
  const { resources } = input;
  const retained = (r: DeployedResource) => RETAINING.has(r.deletionPolicy ?? '');
  const isReplica = (r: DeployedResource) =>
    r.type === 'AWS::RDS::DBInstance' && r.properties.SourceDBInstanceIdentifier !== undefined;
  const steps: Step[] = [];
  const deletedByTool = new Set<string>();

  if (input.terminationProtection) steps.push({ kind: 'termination-protection-off' });
  for (const lb of resources.filter((r) => r.type === 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    const attributes =
      (lb.properties.LoadBalancerAttributes as { Key?: string; Value?: unknown }[] | undefined) ?? [];
    if (attributes.some((a) => a.Key === 'deletion_protection.enabled' && String(a.Value) === 'true')) {
      steps.push({ kind: 'load-balancer-protection-off', arn: lb.physicalId });
    }
  }
  const placedRetained = resources.filter((r) => PLACED.has(r.type) && retained(r) && !isReplica(r));
  for (const db of placedRetained.filter((r) => r.type === 'AWS::RDS::DBInstance')) {
    if (db.properties.DeletionProtection === true || db.properties.DeletionProtection === 'true') {
      steps.push({ kind: 'database-protection-off', id: db.physicalId });
    }
  }
  if (placedRetained.some((r) => r.type === 'AWS::RDS::DBInstance')) {
    for (const replica of resources.filter(isReplica)) {
      steps.push({ kind: 'delete-replica', id: replica.physicalId });
      deletedByTool.add(replica.logicalId);
    }
  }
  for (const r of placedRetained) {
    deletedByTool.add(r.logicalId);
    steps.push(
      r.type === 'AWS::RDS::DBInstance'
        ? { kind: 'delete-primary', id: r.physicalId, finalSnapshot: input.finalSnapshot }
        : { kind: 'delete-cache', id: r.physicalId },
    );
  }
  // A retained subnet group goes before the stack when the tool deleted every instance in it (then
  // nothing uses it); otherwise CloudFormation deletes those instances (Snapshot, Delete) and the
  // group goes once the stack is gone.
  const subnetGroupSteps = (groupType: string, instanceType: string, kind: 'db' | 'cache') => {
    const groups = resources.filter((r) => retained(r) && r.type === groupType);
    groups.forEach((g) => deletedByTool.add(g.logicalId));
    const before = resources
      .filter((r) => r.type === instanceType)
      .every((r) => deletedByTool.has(r.logicalId));
    const groupSteps: Step[] = groups.map((g) =>
      kind === 'db'
        ? { kind: 'delete-db-subnet-group', name: g.physicalId }
        : { kind: 'delete-cache-subnet-group', name: g.physicalId },
    );
    return { before, groupSteps };
  };
  const dbGroups = subnetGroupSteps('AWS::RDS::DBSubnetGroup', 'AWS::RDS::DBInstance', 'db');
  const cacheGroups = subnetGroupSteps(
    'AWS::ElastiCache::SubnetGroup',
    'AWS::ElastiCache::ReplicationGroup',
    'cache',
  );
  for (const g of [dbGroups, cacheGroups]) if (g.before) steps.push(...g.groupSteps);
  const keptByStack = resources.filter((r) => !deletedByTool.has(r.logicalId) && retained(r));
  steps.push({
    kind: 'delete-stack',
    byCloudFormation: resources.filter((r) => !deletedByTool.has(r.logicalId) && !retained(r)).length,
  });
  for (const g of [dbGroups, cacheGroups]) if (!g.before) steps.push(...g.groupSteps);

  const leftovers: Leftover[] = [];
  for (const step of steps) {
    if (step.kind === 'delete-primary' && step.finalSnapshot) {
      leftovers.push({
        what: `final snapshot of the primary ${step.id}`,
        id: step.finalSnapshot,
        deleteWith: `aws rds delete-db-snapshot --db-snapshot-identifier ${step.finalSnapshot}`,
      });
    }
    if (step.kind === 'delete-primary') {
      leftovers.push({
        what: `automated backups of the primary ${step.id} (until their retention period ends)`,
        id: step.id,
        deleteWith: `aws rds describe-db-instance-automated-backups --db-instance-identifier ${step.id}, then aws rds delete-db-instance-automated-backup --dbi-resource-id <DbiResourceId>`,
      });
    }
  }
  for (const r of keptByStack) leftovers.push(leftover(r));
  // Snapshot policy (dev): CloudFormation snapshots the instance or cache before deleting it.
  for (const r of resources.filter((x) => x.deletionPolicy === 'Snapshot' && PLACED.has(x.type))) {
    leftovers.push({
      what: `final snapshot CloudFormation takes of ${r.type === 'AWS::RDS::DBInstance' ? 'the database' : 'the cache'} ${r.physicalId} (DeletionPolicy Snapshot)`,
      id: r.physicalId,
      deleteWith:
        r.type === 'AWS::RDS::DBInstance'
          ? `aws rds describe-db-snapshots --db-instance-identifier ${r.physicalId} --snapshot-type manual, then aws rds delete-db-snapshot`
          : `aws elasticache describe-snapshots --replication-group-id ${r.physicalId}, then aws elasticache delete-snapshot`,
    });
  }
  return { stackName: input.stackName, steps, leftovers };
}

function leftover(r: DeployedResource): Leftover {
  switch (r.type) {
    case 'AWS::Logs::LogGroup':
      return {
        what: r.physicalId.startsWith('/aws/rds/instance/')
          ? `log group of the database ${r.physicalId.split('/')[4]} (RDS log export)`
          : 'log group',
        id: r.physicalId,
        deleteWith: `aws logs delete-log-group --log-group-name ${r.physicalId}`,
      };
    case 'AWS::SecretsManager::Secret':
      return {
        what: 'secret',
        id: r.physicalId,
        deleteWith: `aws secretsmanager delete-secret --secret-id ${r.physicalId}`,
      };
    case 'AWS::KMS::Key':
      return {
        what: 'KMS key (snapshots and backups encrypted with it need it)',
        id: r.physicalId,
        deleteWith: `aws kms schedule-key-deletion --key-id ${r.physicalId} --pending-window-in-days 30 (only once no snapshot needs it)`,
      };
    case 'AWS::S3::Bucket':
      return {
        what: 'S3 bucket',
        id: r.physicalId,
        deleteWith: `aws s3 rb s3://${r.physicalId} --force`,
      };
    default:
      return {
        what: r.type,
        id: r.physicalId,
        deleteWith: 'delete it in the console or with the service CLI',
      };
  }
}

/** The plan as the lines `npm run teardown` prints. */
export function describePlan(plan: TeardownPlan, acting: boolean): string[] {
  const lines = [
    acting
      ? `teardown ${plan.stackName}: deleting, in this order`
      : `teardown ${plan.stackName} (dry run: nothing is changed; add --yes to act). It would, in this order:`,
  ];
  plan.steps.forEach((step, i) => lines.push(`  ${i + 1}. ${describeStep(step)}`));
  lines.push('', 'Stays behind (keeps costing money until you delete it):');
  if (!plan.leftovers.length) lines.push('  nothing');
  for (const l of plan.leftovers) lines.push(`  - ${l.what}: ${l.id}`, `      delete with: ${l.deleteWith}`);
  return lines;
}

export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'termination-protection-off':
      return 'turn off the stack termination protection';
    case 'load-balancer-protection-off':
      return `turn off deletion protection of the load balancer ${step.arn}`;
    case 'database-protection-off':
      return `turn off deletion protection of the primary ${step.id}`;
    case 'delete-replica':
      return `delete the read replica ${step.id} (no snapshot: it is a copy of the primary) and wait`;
    case 'delete-primary':
      return step.finalSnapshot
        ? `delete the primary ${step.id} with a final snapshot ${step.finalSnapshot} and wait`
        : `delete the primary ${step.id} WITHOUT a final snapshot (--skip-final-snapshot) and wait`;
    case 'delete-cache':
      return `delete the cache replication group ${step.id} (cached data and sessions are lost) and wait`;
    case 'delete-db-subnet-group':
      return `delete the DB subnet group ${step.name}`;
    case 'delete-cache-subnet-group':
      return `delete the cache subnet group ${step.name}`;
    case 'delete-stack':
      return `delete the stack: CloudFormation deletes its other ${step.byCloudFormation} resources and keeps the retained ones listed below; wait for DELETE_COMPLETE`;
  }
}
