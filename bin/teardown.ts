#!/usr/bin/env node
/**
 * `npm run teardown -- <env> [--yes] [--skip-final-snapshot] [--region <region>] [--json]`
 *
 * Deletes an environment's stack so that it ends in DELETE_COMPLETE, not DELETE_FAILED: turns off
 * the protections, deletes the retained database and cache (the primary with a final snapshot)
 * that would otherwise hold on to the stack's subnets and security groups, then deletes the stack,
 * and lists what stays behind. Without `--yes` it only reads the stack and prints the plan.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { CliError, parseCliArgs, printJson, resolveRegion, resolveTarget, runCli, say } from './cli';
import { describePlan, planTeardown } from './teardown/plan';
import { readStack, REAL_WAITING, runTeardown, TeardownClients, Waiting } from './teardown/run';

export const USAGE = `usage: npm run teardown -- <env or stack name> [--yes] [--skip-final-snapshot] [--region <region>] [--json]

Deletes an environment's stack without leaving it in DELETE_FAILED. Dry run unless --yes.
  --yes                   act: turn off the protections, delete the retained primary (final snapshot)
                          and cache, their subnet groups, then the stack
  --skip-final-snapshot   delete the primary without a final snapshot (its automated backups stay
                          until their retention ends)
  --region <region>       region of the stack (default: AWS_REGION, AWS_DEFAULT_REGION, then the
                          profile's region, as the AWS CLI resolves it)
  --json                  print the plan (and the outcome) as JSON on stdout
Exit status: 0 when the plan was printed or the stack is deleted; 1 on failure; 2 on a usage error.`;

export interface TeardownOptions {
  /** The stack of the environment named on the command line. */
  readonly stackName: string;
  readonly yes: boolean;
  readonly skipFinalSnapshot: boolean;
  readonly region?: string;
  readonly json: boolean;
}

/** Parse argv with the tools' shared parser (node:util parseArgs, strict: an unknown flag exits 2). */
export function parseTeardownArgs(argv: readonly string[]): TeardownOptions {
  const args = parseCliArgs(argv, {
    usage: USAGE,
    flags: ['yes', 'skip-final-snapshot', 'json'],
    options: ['region'],
  });
  if (args.positionals.length !== 1) {
    throw new CliError(
      `${args.positionals.length ? 'expected one environment' : 'which environment?'} (got ${args.positionals.length})\n\n${USAGE}`,
      2,
    );
  }
  return {
    stackName: resolveTarget(args.positionals[0], USAGE).stackName,
    yes: args.flags.yes,
    skipFinalSnapshot: args.flags['skip-final-snapshot'],
    region: args.options.region,
    json: args.flags.json,
  };
}

/** Final snapshot name: `<primary>-final-<yyyymmddhhmm>` (letters, digits, hyphens; starts with a letter). */
export function finalSnapshotName(primaryId: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 12);
  return `${primaryId}-final-${stamp}`;
}

export async function teardown(
  options: TeardownOptions,
  clients: TeardownClients,
  deps: { now: Date; waiting: Waiting; out: (line: string) => void },
): Promise<number> {
  const { stackName } = options;
  const deployed = await readStack(clients, stackName);
  if (!deployed)
    throw new CliError(`teardown: the stack ${stackName} does not exist in this account and region`);
  const primary = deployed.resources.find(
    (r) =>
      r.type === 'AWS::RDS::DBInstance' &&
      r.properties.SourceDBInstanceIdentifier === undefined &&
      ['Retain', 'RetainExceptOnCreate'].includes(r.deletionPolicy ?? ''),
  );
  const plan = planTeardown({
    ...deployed,
    finalSnapshot:
      primary && !options.skipFinalSnapshot ? finalSnapshotName(primary.physicalId, deps.now) : undefined,
  });
  for (const line of describePlan(plan, options.yes)) deps.out(line);
  if (options.json)
    printJson({ stackName, acting: options.yes, steps: plan.steps, leftovers: plan.leftovers });
  if (!options.yes) return 0;
  await runTeardown(clients, plan, deps.waiting, (line) => deps.out(line));
  deps.out(`teardown: ${stackName} is deleted; what stays behind is listed above.`);
  return 0;
}

if (require.main === module) {
  runCli(async () => {
    const options = parseTeardownArgs(process.argv.slice(2));
    // The region as the AWS CLI resolves it (--region, AWS_REGION, AWS_DEFAULT_REGION, the profile).
    const config = { region: resolveRegion(options.region).region };
    const clients: TeardownClients = {
      cloudformation: new CloudFormationClient(config),
      rds: new RDSClient(config),
      elasticache: new ElastiCacheClient(config),
      elbv2: new ElasticLoadBalancingV2Client(config),
    };
    return teardown(options, clients, { now: new Date(), waiting: REAL_WAITING, out: say });
  });
}
