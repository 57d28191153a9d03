#!/usr/bin/env node
/**
 * `npm run teardown -- <env> [--yes] [--skip-final-snapshot] [--region <region>] [--json]`
 *
 * Deletes an environment's stack so that it ends in DELETE_COMPLETE, not DELETE_FAILED: turns off
 * the protections, deletes the retained database and cache (the primary with a final snapshot)
 * that would otherwise hold on to the stack's subnets and security groups, then deletes the stack,
 * and lists what stays behind. Without `--yes` it only reads the stack and prints the plan.
 */
import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { RDSClient } from '@aws-sdk/client-rds';
import { stackName as stackNameOf } from '../lib/app';
import { CliError, printJson, runCli, say } from './cli';
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
  readonly target: string;
  readonly yes: boolean;
  readonly skipFinalSnapshot: boolean;
  readonly region?: string;
  readonly json: boolean;
}

/** Parse argv with node:util parseArgs (strict: an unknown flag is a usage error, exit 2). */
export function parseTeardownArgs(argv: readonly string[]): TeardownOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        yes: { type: 'boolean', default: false },
        'skip-final-snapshot': { type: 'boolean', default: false },
        region: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new CliError(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`, 2);
  }
  if (parsed.values.help) throw new CliError(USAGE, 0);
  if (parsed.positionals.length !== 1) {
    throw new CliError(
      `${parsed.positionals.length ? 'expected one environment' : 'which environment?'} (got ${parsed.positionals.length})\n\n${USAGE}`,
      2,
    );
  }
  return {
    target: parsed.positionals[0],
    yes: parsed.values.yes === true,
    skipFinalSnapshot: parsed.values['skip-final-snapshot'] === true,
    region: parsed.values.region,
    json: parsed.values.json === true,
  };
}

/** `prod` -> `ScalableBackend-prod`; a stack name is taken as it is. */
export function resolveStackName(target: string): string {
  return target.startsWith('ScalableBackend-') ? target : stackNameOf(target);
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
  const stackName = resolveStackName(options.target);
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
    // The SDK resolves the region like the AWS CLI (AWS_REGION, then the profile); --region overrides it.
    const config = options.region ? { region: options.region } : {};
    const clients: TeardownClients = {
      cloudformation: new CloudFormationClient(config),
      rds: new RDSClient(config),
      elasticache: new ElastiCacheClient(config),
      elbv2: new ElasticLoadBalancingV2Client(config),
    };
    return teardown(options, clients, { now: new Date(), waiting: REAL_WAITING, out: say });
  });
}
