#!/usr/bin/env node
/**
 * `npm run advisor -- <env or stack name> [--region <region>] [--publish] [--json]`
 *
 * Runs the scaling advisor's analysis from a laptop with the user's AWS credentials: finds the stack's
 * resources through its `AdvisorTargets` output, reads the same metrics the Lambda reads and prints the
 * report as a table. Read-only unless `--publish` (then it writes the verdict metrics and notifies the
 * topic on a change, exactly like a scheduled run).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SNSClient } from '@aws-sdk/client-sns';
import { readStackOutput } from './advisor-outputs';
import { queriesMain } from './advisor-queries';
import {
  CliError,
  CliSpec,
  awsErrorKind,
  NO_REGION_MESSAGE,
  parseCliArgs,
  resolveRegion,
  resolveTarget,
  runCli,
  say,
} from './cli';
import { THROTTLING_ERRORS } from '../lambda/scaling-advisor/fetch';
import { formatReport } from '../lambda/scaling-advisor/format';
import { AdvisorClients, runAdvisor } from '../lambda/scaling-advisor/index';
import {
  ADVISOR_TARGETS_OUTPUT,
  AdvisorTargetsError,
  targetsFromJson,
} from '../lambda/scaling-advisor/targets';

export { CliError };

export const USAGE = `Usage: npm run advisor -- <env or stack name> [--region <region>] [--publish] [--json]
       npm run advisor -- queries <env> | --database-url <url>   (the query advisor; --help there)

  <env or stack name>  the deployed environment, e.g. prod or ScalableBackend-prod
  --region <region>  region of the stack (default: AWS_REGION, AWS_DEFAULT_REGION, then the region of
                     AWS_PROFILE or the default profile, as the AWS CLI)
  --publish          also write the verdict metrics and notify the topic on a change (default: read-only)
  --json             print the report as JSON instead of a table (stdout holds only the JSON;
                     every message goes to stderr)`;

export interface CliArgs {
  readonly stackName: string;
  readonly region?: string;
  readonly publish: boolean;
  readonly json: boolean;
}

const SPEC: CliSpec = { usage: USAGE, flags: ['publish', 'json'], options: ['region'] };

export function parseArgs(argv: readonly string[]): CliArgs {
  const { positionals, flags, options } = parseCliArgs(argv, SPEC);
  if (positionals.length === 0) throw new CliError(`missing the environment or stack name\n\n${USAGE}`, 2);
  if (positionals.length > 1)
    throw new CliError(`one environment only (got ${positionals.join(' and ')})\n\n${USAGE}`, 2);
  const region = options.region;
  return {
    stackName: resolveTarget(positionals[0], USAGE).stackName,
    ...(region ? { region } : {}),
    publish: flags.publish,
    json: flags.json,
  };
}

export interface CliDeps {
  readonly cloudFormation: (region?: string) => CloudFormationClient;
  readonly clients: (region?: string) => AdvisorClients;
  /** stdout: the report (with --json, only the JSON document). */
  readonly out: (text: string) => void;
  /** stderr: every other message, so --json output always parses. */
  readonly say: (text: string) => void;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** The region from --region or the environment. @default resolveRegion (bin/cli.ts) */
  readonly region?: (flag?: string) => string;
}

const defaultDeps: CliDeps = {
  cloudFormation: (region) => new CloudFormationClient(region ? { region } : {}),
  clients: (region) => ({
    cloudWatch: new CloudWatchClient({ maxAttempts: 3, ...(region ? { region } : {}) }),
    sns: new SNSClient({ maxAttempts: 3, ...(region ? { region } : {}) }),
  }),
  out: (text) => process.stdout.write(`${text}\n`),
  say,
};

/** Run the CLI; returns the exit code. Every expected failure becomes a CliError with a clear message. */
export async function main(argv: readonly string[], deps: CliDeps = defaultDeps): Promise<number> {
  // `queries`: the query advisor (bin/advisor-queries.ts).
  if (argv[0] === 'queries') return queriesMain(argv.slice(1));
  const parsed = parseArgs(argv);
  // Resolved like the AWS CLI does, so a missing region is one line, never an SDK hostname error.
  const args = { ...parsed, region: (deps.region ?? ((flag) => resolveRegion(flag).region))(parsed.region) };
  const targetsJson = await readTargetsOutput(deps.cloudFormation(args.region), args.stackName);
  let targets;
  try {
    targets = targetsFromJson(targetsJson, `output ${ADVISOR_TARGETS_OUTPUT} of stack ${args.stackName}`);
  } catch (e) {
    if (e instanceof AdvisorTargetsError) throw new CliError(e.message);
    throw e;
  }
  const report = await runAdvisor(targets, deps.clients(args.region), {
    publish: args.publish,
    ...(deps.now ? { now: deps.now() } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  }).catch((e: unknown) => {
    throw explainAwsError(
      e,
      args.publish
        ? `reading the metrics of ${args.stackName} and publishing its verdict`
        : `reading the metrics of ${args.stackName}`,
    );
  });
  deps.out(args.json ? JSON.stringify(report, null, 2) : formatReport(report));
  if (args.publish) {
    deps.say(
      report.notified
        ? 'Published the verdict metrics and notified the topic (the verdict changed).'
        : `Published the verdict metrics; no notification (${report.verdictChanged ? 'no topic configured' : 'verdict unchanged'}).`,
    );
  }
  return 0;
}

/** The `AdvisorTargets` output of the stack, or a CliError saying why not. */
export function readTargetsOutput(cloudFormation: CloudFormationClient, stackName: string): Promise<string> {
  return readStackOutput(
    cloudFormation,
    stackName,
    ADVISOR_TARGETS_OUTPUT,
    'without the scaling advisor, or before it existed',
    (e) => explainAwsError(e, `describing stack ${stackName}`),
  );
}

/** Turn the SDK's credential, region and permission errors into instructions. */
export function explainAwsError(e: unknown, doing: string): Error {
  if (e instanceof CliError) return e;
  const message = (e as { message?: string }).message ?? String(e);
  const kind = awsErrorKind(e);
  if (kind === 'credentials') {
    return new CliError(
      'No AWS credentials found. Configure them (aws configure, AWS_PROFILE=<profile>, or aws sso login) and try again.',
    );
  }
  if (kind === 'expired') {
    return new CliError(
      `Your AWS credentials have expired (${message}). Refresh them (e.g. aws sso login) and try again.`,
    );
  }
  if (kind === 'region') return new CliError(NO_REGION_MESSAGE);
  if (kind === 'denied') {
    return new CliError(
      `Access denied while ${doing}: the advisor needs cloudformation:DescribeStacks and cloudwatch:GetMetricData; ` +
        'with --publish also cloudwatch:PutMetricData, sns:Publish on the alarm topic and kms:GenerateDataKey and ' +
        `kms:Decrypt on the topic's KMS key. ${firstLine(message)}`,
    );
  }
  return explainServiceError(e, doing) ?? (e instanceof Error ? e : new Error(message));
}

/**
 * Throttling that outlasted the retries and server-side failures (HTTP 5xx): one line that says what
 * happened and that retrying later is the fix, instead of a stack trace.
 */
function explainServiceError(e: unknown, doing: string): CliError | undefined {
  const err = e as {
    name?: string;
    message?: string;
    cause?: unknown;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const cause = (err.cause ?? {}) as { name?: string };
  const name = err.name && err.name !== 'Error' ? err.name : (cause.name ?? err.name ?? 'Error');
  const message = firstLine(err.message ?? String(e));
  if (THROTTLING_ERRORS.has(name) || (cause.name && THROTTLING_ERRORS.has(cause.name))) {
    return new CliError(
      `AWS kept throttling the advisor while ${doing} (${name}: ${message}). Other tools may be calling the same API; try again in a minute.`,
    );
  }
  const status = err.$metadata?.httpStatusCode;
  if (err.$fault === 'server' || (status !== undefined && status >= 500)) {
    return new CliError(
      `AWS answered with a server error while ${doing} (${name}${status ? `, HTTP ${status}` : ''}: ${message}). ` +
        'This is on the AWS side; try again in a few minutes (the AWS Health Dashboard shows service events).',
    );
  }
  return undefined;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}

if (require.main === module) {
  runCli(
    () => main(process.argv.slice(2)),
    (e) => explainAwsError(e, 'running the advisor'),
  );
}
