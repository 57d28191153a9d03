#!/usr/bin/env node
/**
 * `npm run advisor -- <stack name> [--region <region>] [--publish] [--json]`
 *
 * Runs the scaling advisor's analysis from a laptop with the user's AWS credentials: finds the stack's
 * resources through its `AdvisorTargets` output, reads the same metrics the Lambda reads and prints the
 * report as a table. Read-only unless `--publish` (then it writes the verdict metrics and notifies the
 * topic on a change, exactly like a scheduled run).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SNSClient } from '@aws-sdk/client-sns';
import { CliError } from './cli';
import { formatReport } from '../lambda/scaling-advisor/format';
import { AdvisorClients, runAdvisor } from '../lambda/scaling-advisor/index';
import {
  ADVISOR_TARGETS_OUTPUT,
  AdvisorTargetsError,
  targetsFromJson,
} from '../lambda/scaling-advisor/targets';

export { CliError };

export const USAGE = `Usage: npm run advisor -- <stack name> [--region <region>] [--publish] [--json]

  <stack name>       the deployed stack, e.g. ScalableBackend-prod
  --region <region>  region of the stack (default: AWS_REGION or your profile's region)
  --publish          also write the verdict metrics and notify the topic on a change (default: read-only)
  --json             print the report as JSON instead of a table`;

export interface CliArgs {
  readonly stackName: string;
  readonly region?: string;
  readonly publish: boolean;
  readonly json: boolean;
}

export function parseArgs(argv: readonly string[]): CliArgs {
  let stackName: string | undefined;
  let region: string | undefined;
  let publish = false;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--publish') publish = true;
    else if (arg === '--json') json = true;
    else if (arg === '--region') {
      region = argv[++i];
      if (!region) throw new CliError(`--region needs a value\n\n${USAGE}`, 2);
    } else if (arg.startsWith('--region=')) region = arg.slice('--region='.length);
    else if (arg === '--help' || arg === '-h') throw new CliError(USAGE, 0);
    else if (arg.startsWith('-')) throw new CliError(`unknown option ${arg}\n\n${USAGE}`, 2);
    else if (stackName)
      throw new CliError(`one stack name only (got ${stackName} and ${arg})\n\n${USAGE}`, 2);
    else stackName = arg;
  }
  if (!stackName) throw new CliError(`missing the stack name\n\n${USAGE}`, 2);
  return { stackName, ...(region ? { region } : {}), publish, json };
}

export interface CliDeps {
  readonly cloudFormation: (region?: string) => CloudFormationClient;
  readonly clients: (region?: string) => AdvisorClients;
  readonly out: (text: string) => void;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultDeps: CliDeps = {
  cloudFormation: (region) => new CloudFormationClient(region ? { region } : {}),
  clients: (region) => ({
    cloudWatch: new CloudWatchClient({ maxAttempts: 3, ...(region ? { region } : {}) }),
    sns: new SNSClient({ maxAttempts: 3, ...(region ? { region } : {}) }),
  }),
  out: (text) => process.stdout.write(`${text}\n`),
};

/** Run the CLI; returns the exit code. Every expected failure becomes a CliError with a clear message. */
export async function main(argv: readonly string[], deps: CliDeps = defaultDeps): Promise<number> {
  const args = parseArgs(argv);
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
    throw explainAwsError(e, `reading the metrics of ${args.stackName}`);
  });
  deps.out(args.json ? JSON.stringify(report, null, 2) : formatReport(report));
  if (args.publish) {
    deps.out(
      report.notified
        ? `\nPublished the verdict metrics and notified the topic (the verdict changed).`
        : `\nPublished the verdict metrics; no notification (${report.verdictChanged ? 'no topic configured' : 'verdict unchanged'}).`,
    );
  }
  return 0;
}

/** The `AdvisorTargets` output of the stack, or a CliError saying why not. */
export async function readTargetsOutput(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<string> {
  let stacks;
  try {
    stacks = (await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks ?? [];
  } catch (e) {
    const err = e as { name?: string; message?: string };
    if (err.name === 'ValidationError' && /does not exist/i.test(err.message ?? '')) {
      throw new CliError(
        `Stack ${stackName} not found in region ${(await regionOf(cloudFormation)) ?? '(unknown)'}. ` +
          'Check the name (e.g. ScalableBackend-prod) and pass --region or set AWS_REGION if it lives elsewhere.',
      );
    }
    throw explainAwsError(e, `describing stack ${stackName}`);
  }
  const stack = stacks[0];
  if (!stack) throw new CliError(`Stack ${stackName} not found.`);
  const output = stack.Outputs?.find((o) => o.OutputKey === ADVISOR_TARGETS_OUTPUT);
  if (!output?.OutputValue) {
    throw new CliError(
      `Stack ${stackName} has no output ${ADVISOR_TARGETS_OUTPUT}: it was deployed without the scaling advisor, ` +
        'or before it existed. Deploy the current version of the app and try again.',
    );
  }
  return output.OutputValue;
}

/** Turn the SDK's credential, region and permission errors into instructions. */
export function explainAwsError(e: unknown, doing: string): Error {
  if (e instanceof CliError) return e;
  const err = e as { name?: string; message?: string };
  const name = err.name ?? '';
  const message = err.message ?? String(e);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new CliError(
      'No AWS credentials found. Configure them (aws configure, AWS_PROFILE=<profile>, or aws sso login) and try again.',
    );
  }
  if (/ExpiredToken/i.test(name) || /expired/i.test(message)) {
    return new CliError(
      `Your AWS credentials have expired (${message}). Refresh them (e.g. aws sso login) and try again.`,
    );
  }
  if (/Region is missing/i.test(message)) {
    return new CliError('No AWS region configured: pass --region <region> or set AWS_REGION.');
  }
  if (/AccessDenied|UnauthorizedOperation|not authorized/i.test(`${name} ${message}`)) {
    return new CliError(
      `Access denied while ${doing}: the advisor needs cloudformation:DescribeStacks and cloudwatch:GetMetricData ` +
        `(plus cloudwatch:PutMetricData and sns:Publish with --publish). ${message}`,
    );
  }
  return e instanceof Error ? e : new Error(message);
}

async function regionOf(client: CloudFormationClient): Promise<string | undefined> {
  try {
    return await client.config.region();
  } catch {
    return undefined;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      const err = explainAwsError(e, 'running the advisor');
      if (err instanceof CliError) {
        (err.exitCode === 0 ? console.log : console.error)(err.message);
        process.exit(err.exitCode);
      }
      console.error(err);
      process.exit(1);
    },
  );
}
