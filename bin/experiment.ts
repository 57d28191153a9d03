#!/usr/bin/env node
/**
 * `npm run experiment -- <env> <experiment> [--region <region>]`
 *
 * Checks that a fault-injection experiment of the stack would hit something before you start it,
 * and prints the command that starts it. FIS resolves the cache target (the replication group, by
 * tag) whether or not one of its nodes sits in the chosen zone; with no node there the power
 * interruption hits nothing and the experiment still completes. ElastiCache places the nodes (the
 * stack cannot pin them: PreferredCacheClusterAZs is create-only), so this looks where they are now.
 */
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeReplicationGroupsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { CliError, parseCliArgs, resolveRegion, resolveTarget, runCli, say } from './cli';

export const USAGE = `usage: npm run experiment -- <env or stack name> <experiment> [--region <region>]

Checks that an AWS FIS experiment of the stack would hit something, then prints the command that starts it.
  <experiment>        StopTasks, PrimaryFailover, CacheZonePower, ZoneNetwork or LoseZone
  --region <region>   region of the stack (default: as the AWS CLI resolves it)
Exit status: 0 when the experiment would hit its targets; 1 when it would not (or on failure); 2 on a usage error.`;

/** Experiments that interrupt cache nodes in the chosen zone. */
const CACHE_EXPERIMENTS = new Set(['CacheZonePower', 'LoseZone']);

export interface ExperimentClients {
  readonly cloudformation: CloudFormationClient;
  readonly elasticache: ElastiCacheClient;
}

export function parseExperimentArgs(argv: readonly string[]): {
  stackName: string;
  experiment: string;
  region?: string;
} {
  const args = parseCliArgs(argv, { usage: USAGE, options: ['region'] });
  if (args.positionals.length !== 2) {
    throw new CliError(`expected an environment and an experiment\n\n${USAGE}`, 2);
  }
  return {
    stackName: resolveTarget(args.positionals[0], USAGE).stackName,
    experiment: args.positionals[1],
    region: args.options.region,
  };
}

/** The check; returns the lines to print and whether the experiment would hit its targets. */
export async function checkExperiment(
  clients: ExperimentClients,
  stackName: string,
  experiment: string,
): Promise<{ ok: boolean; lines: string[] }> {
  let outputs: Record<string, string>;
  try {
    const stack = (await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName })))
      .Stacks?.[0];
    outputs = Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (e) {
    if (e instanceof Error && /does not exist/.test(e.message)) {
      throw new CliError(`experiment: the stack ${stackName} does not exist in this account and region`);
    }
    throw e;
  }
  const templateId = outputs[`Experiment${experiment}TemplateId`];
  if (!templateId) {
    const known = Object.keys(outputs)
      .map((k) => /^Experiment(\w+)TemplateId$/.exec(k)?.[1])
      .filter(Boolean);
    throw new CliError(
      `experiment: ${stackName} has no experiment ${experiment} (it has: ${known.length ? known.join(', ') : 'none; resilience.experiments is off'})`,
    );
  }
  const lines: string[] = [];
  let ok = true;
  if (CACHE_EXPERIMENTS.has(experiment)) {
    const zone = outputs.ExperimentZone;
    const groupId = await replicationGroupOf(clients, stackName);
    const group = (
      await clients.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: groupId }))
    ).ReplicationGroups?.[0];
    const nodes = (group?.NodeGroups ?? []).flatMap((g) => g.NodeGroupMembers ?? []);
    const inZone = nodes.filter((n) => n.PreferredAvailabilityZone === zone);
    const where = nodes.map(
      (n) => `${n.CacheClusterId} in ${n.PreferredAvailabilityZone} (${n.CurrentRole ?? 'node'})`,
    );
    if (inZone.length) {
      lines.push(
        `${experiment}: the cache ${groupId} has ${inZone.map((n) => `${n.CacheClusterId} (${n.CurrentRole ?? 'node'})`).join(', ')} in ${zone}: the power interruption hits it.`,
      );
    } else {
      // CacheZonePower would prove nothing; LoseZone still cuts the zone's network and stops its tasks.
      ok = experiment !== 'CacheZonePower';
      lines.push(
        `${experiment}: no node of the cache ${groupId} is in ${zone} (${where.join(', ') || 'no nodes found'}): ` +
          'the power interruption would hit nothing and still complete. ' +
          'Set resilience.zoneIndex to a zone that holds a node (the primary node shows a real failover) and deploy, then check again.',
      );
    }
  }
  if (ok) lines.push(`start it with: aws fis start-experiment --experiment-template-id ${templateId}`);
  return { ok, lines };
}

/** The physical id of the stack's replication group (it may be configured, so not derived here). */
async function replicationGroupOf(clients: ExperimentClients, stackName: string): Promise<string> {
  let token: string | undefined;
  do {
    const page = await clients.cloudformation.send(
      new ListStackResourcesCommand({ StackName: stackName, NextToken: token }),
    );
    const group = page.StackResourceSummaries?.find(
      (r) => r.ResourceType === 'AWS::ElastiCache::ReplicationGroup',
    );
    if (group?.PhysicalResourceId) return group.PhysicalResourceId;
    token = page.NextToken;
  } while (token);
  throw new CliError(`experiment: ${stackName} has no cache replication group`);
}

if (require.main === module) {
  runCli(async () => {
    const args = parseExperimentArgs(process.argv.slice(2));
    const config = { region: resolveRegion(args.region).region };
    const result = await checkExperiment(
      { cloudformation: new CloudFormationClient(config), elasticache: new ElastiCacheClient(config) },
      args.stackName,
      args.experiment,
    );
    for (const line of result.lines) (result.ok ? (l: string) => process.stdout.write(`${l}\n`) : say)(line);
    return result.ok ? 0 : 1;
  });
}
