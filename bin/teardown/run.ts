import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  StackResourceSummary,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DeleteCacheSubnetGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import {
  ElasticLoadBalancingV2Client,
  ModifyLoadBalancerAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DeleteDBInstanceCommand,
  DeleteDBSubnetGroupCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { DeployedResource, describeStep, PlanInput, Step, TeardownPlan } from './plan';

/** The AWS clients the teardown uses (one region). */
export interface TeardownClients {
  readonly cloudformation: CloudFormationClient;
  readonly rds: RDSClient;
  readonly elasticache: ElastiCacheClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
}

export interface Waiting {
  /** Pause between polls (injected so tests do not wait). */
  readonly sleep: (ms: number) => Promise<void>;
  /** Poll interval and give-up time. RDS deletes take minutes; a stack delete up to an hour. */
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export const REAL_WAITING: Waiting = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  intervalMs: 20_000,
  timeoutMs: 90 * 60_000,
};

/** Read what the plan needs from the deployed stack (read-only calls). Undefined when it does not exist. */
export async function readStack(
  clients: TeardownClients,
  stackName: string,
): Promise<Omit<PlanInput, 'finalSnapshot'> | undefined> {
  let stack;
  try {
    stack = (await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName })))
      .Stacks?.[0];
  } catch (e) {
    if (e instanceof Error && /does not exist/.test(e.message)) return undefined;
    throw e;
  }
  if (!stack || stack.StackStatus === 'DELETE_COMPLETE') return undefined;
  const template = JSON.parse(
    (
      await clients.cloudformation.send(
        new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }),
      )
    ).TemplateBody ?? '{}',
  ) as {
    Resources?: Record<
      string,
      { Type: string; DeletionPolicy?: string; Properties?: Record<string, unknown> }
    >;
  };
  const summaries: StackResourceSummary[] = [];
  let token: string | undefined;
  do {
    const page = await clients.cloudformation.send(
      new ListStackResourcesCommand({ StackName: stackName, NextToken: token }),
    );
    summaries.push(...(page.StackResourceSummaries ?? []));
    token = page.NextToken;
  } while (token);
  const resources: DeployedResource[] = summaries
    .filter((s) => s.PhysicalResourceId && s.ResourceStatus !== 'DELETE_COMPLETE')
    .map((s) => {
      const declared = template.Resources?.[s.LogicalResourceId ?? ''];
      return {
        logicalId: s.LogicalResourceId ?? '',
        type: s.ResourceType ?? declared?.Type ?? 'unknown',
        physicalId: s.PhysicalResourceId ?? '',
        deletionPolicy: declared?.DeletionPolicy,
        properties: declared?.Properties ?? {},
      };
    });
  return { stackName, terminationProtection: stack.EnableTerminationProtection === true, resources };
}

/** Carry out the plan step by step, waiting where the next step needs the previous one finished. */
export async function runTeardown(
  clients: TeardownClients,
  plan: TeardownPlan,
  waiting: Waiting,
  log: (line: string) => void,
): Promise<void> {
  for (const [i, step] of plan.steps.entries()) {
    log(`${i + 1}/${plan.steps.length} ${describeStep(step)}`);
    await runStep(clients, plan.stackName, step, waiting);
  }
}

async function runStep(
  clients: TeardownClients,
  stackName: string,
  step: Step,
  waiting: Waiting,
): Promise<void> {
  switch (step.kind) {
    case 'termination-protection-off':
      await clients.cloudformation.send(
        new UpdateTerminationProtectionCommand({ StackName: stackName, EnableTerminationProtection: false }),
      );
      return;
    case 'load-balancer-protection-off':
      await clients.elbv2.send(
        new ModifyLoadBalancerAttributesCommand({
          LoadBalancerArn: step.arn,
          Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }],
        }),
      );
      return;
    case 'database-protection-off':
      await clients.rds.send(
        new ModifyDBInstanceCommand({
          DBInstanceIdentifier: step.id,
          DeletionProtection: false,
          ApplyImmediately: true,
        }),
      );
      return;
    case 'delete-replica':
      await clients.rds.send(
        new DeleteDBInstanceCommand({ DBInstanceIdentifier: step.id, SkipFinalSnapshot: true }),
      );
      await untilDbInstanceGone(clients, step.id, waiting);
      return;
    case 'delete-primary':
      await clients.rds.send(
        new DeleteDBInstanceCommand({
          DBInstanceIdentifier: step.id,
          ...(step.finalSnapshot
            ? { FinalDBSnapshotIdentifier: step.finalSnapshot, SkipFinalSnapshot: false }
            : { SkipFinalSnapshot: true }),
          // Automated backups stay until their retention ends: a second way back.
          DeleteAutomatedBackups: false,
        }),
      );
      await untilDbInstanceGone(clients, step.id, waiting);
      return;
    case 'delete-cache':
      await clients.elasticache.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: step.id }));
      await until(waiting, `the cache ${step.id} is deleted`, async () => {
        try {
          await clients.elasticache.send(
            new DescribeReplicationGroupsCommand({ ReplicationGroupId: step.id }),
          );
          return false;
        } catch (e) {
          if (errorName(e) === 'ReplicationGroupNotFoundFault') return true;
          throw e;
        }
      });
      return;
    case 'delete-db-subnet-group':
      await clients.rds.send(new DeleteDBSubnetGroupCommand({ DBSubnetGroupName: step.name }));
      return;
    case 'delete-cache-subnet-group':
      await clients.elasticache.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: step.name }));
      return;
    case 'delete-stack':
      await clients.cloudformation.send(new DeleteStackCommand({ StackName: stackName }));
      await untilStackDeleted(clients, stackName, waiting);
      return;
  }
}

async function untilDbInstanceGone(clients: TeardownClients, id: string, waiting: Waiting): Promise<void> {
  await until(waiting, `the DB instance ${id} is deleted`, async () => {
    try {
      await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
      return false;
    } catch (e) {
      if (errorName(e) === 'DBInstanceNotFoundFault' || errorName(e) === 'DBInstanceNotFound') return true;
      throw e;
    }
  });
}

async function untilStackDeleted(
  clients: TeardownClients,
  stackName: string,
  waiting: Waiting,
): Promise<void> {
  await until(waiting, `the stack ${stackName} is deleted`, async () => {
    let status: string | undefined;
    try {
      status = (await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName })))
        .Stacks?.[0]?.StackStatus;
    } catch (e) {
      if (e instanceof Error && /does not exist/.test(e.message)) return true;
      throw e;
    }
    if (status === 'DELETE_FAILED') {
      const failed = (
        await clients.cloudformation.send(new ListStackResourcesCommand({ StackName: stackName }))
      ).StackResourceSummaries?.filter((r) => r.ResourceStatus === 'DELETE_FAILED');
      throw new Error(
        `the stack ${stackName} is in DELETE_FAILED: ${(failed ?? [])
          .map(
            (r) =>
              `${r.LogicalResourceId} (${r.ResourceType}): ${r.ResourceStatusReason ?? 'no reason given'}`,
          )
          .join('; ')}`,
      );
    }
    return status === undefined || status === 'DELETE_COMPLETE';
  });
}

async function until(waiting: Waiting, what: string, done: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  let waited = 0;
  for (;;) {
    if (await done()) return;
    if (waited >= waiting.timeoutMs || Date.now() - started > waiting.timeoutMs) {
      throw new Error(
        `gave up waiting until ${what} after ${Math.round(waiting.timeoutMs / 60_000)} minutes`,
      );
    }
    await waiting.sleep(waiting.intervalMs);
    waited += waiting.intervalMs;
  }
}

function errorName(e: unknown): string | undefined {
  return e instanceof Error ? e.name : undefined;
}
