#!/usr/bin/env node
/**
 * `npm run task -- <env> [options] -- <command...>`
 *
 * Runs the service's task definition once with the command replaced (a migration, a script): same
 * image, environment, secrets, private subnets and security group as the service, so the command
 * reaches the database and the cache exactly as the app does. The ids come from the stack's outputs
 * (`ServiceClusterName`, `ServiceTaskDefinitionArn`, ...). Waits for the task to stop, prints its exit
 * code and the end of its log, and exits with the task's exit code.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RegisterTaskDefinitionCommandInput,
  RunTaskCommand,
  Task,
} from '@aws-sdk/client-ecs';
import { APP_LOG_STREAM_PREFIX, TASK_OUTPUTS } from '../lib/task-outputs';
import {
  CliError,
  CliSpec,
  awsErrorKind,
  NO_REGION_MESSAGE,
  parseCliArgs,
  printJson,
  resolveRegion,
  resolveTarget,
  runCli,
  say,
} from './cli';

export const USAGE = `Usage: npm run task -- <env> [--region <region>] [--entry-point <command>] [--timeout <minutes>] [--tail <lines>] [--json] -- <command...>

Runs the service's task definition once with <command...> instead of the container's command, in the
service's private subnets and security group, waits for it to stop, prints its exit code and the end
of its log, and exits with the task's exit code.

<command...> replaces the command (the image's CMD or service.command) only: an entry point (the
image's ENTRYPOINT or service.entryPoint) stays and receives <command...> as its arguments. To
replace the entry point for this run, give --entry-point (ECS cannot override it per run, so a
one-off revision of the task definition is registered and deregistered after the run).

  <env>                environment or its stack, e.g. staging or ScalableBackend-staging
  --region <region>    region of the stack (default: AWS_REGION, AWS_DEFAULT_REGION, then the
                       region of AWS_PROFILE or the default profile, as the AWS CLI)
  --entry-point <cmd>  entry point for this run: words split on spaces, or a JSON array
                       (e.g. --entry-point sh or --entry-point '["sh","-c"]')
  --timeout <minutes>  how long to wait for the task to stop (default 30); on timeout the task keeps
                       running and the exit code is 124
  --tail <lines>       log lines to print at the end (default 50; 0 for none)
  --json               print the result as JSON on stdout

Example: npm run task -- prod -- npm run migrate`;

const SPEC: CliSpec = {
  usage: USAGE,
  flags: ['json'],
  options: ['region', 'timeout', 'tail', 'entry-point'],
};

/** Exit code when the task did not stop in time (as coreutils `timeout`). */
export const TIMEOUT_EXIT_CODE = 124;
/** How often the task's status is read (the AWS CLI's `ecs wait tasks-stopped` polls every 6 s). */
export const POLL_INTERVAL_MS = 6_000;
/** Value of the task's `startedBy`, so one-off tasks are told apart from the service's. */
export const STARTED_BY = 'npm-run-task';

export interface TaskArgs {
  readonly env: string;
  readonly stackName: string;
  readonly command: string[];
  /** Replaces the container's entry point for this run (a one-off task definition revision). */
  readonly entryPoint?: string[];
  readonly region?: string;
  readonly timeoutMinutes: number;
  readonly tailLines: number;
  readonly json: boolean;
}

export function parseTaskArgs(argv: readonly string[]): TaskArgs {
  const split = argv.indexOf('--');
  const before = split < 0 ? argv : argv.slice(0, split);
  const command = split < 0 ? [] : argv.slice(split + 1);
  const parsed = parseCliArgs(before, SPEC);
  const usageError = (message: string) => new CliError(`${message}\n\n${USAGE}`, 2);
  const [name, ...extra] = parsed.positionals;
  if (!name) throw usageError('missing the environment (e.g. prod)');
  const { env, stackName } = resolveTarget(name, USAGE);
  if (extra.length > 0) throw usageError(`put the command after -- (got ${extra.join(' ')} before it)`);
  if (command.length === 0) throw usageError('missing the command: give it after --');
  const number = (name: string, fallback: number, min: number): number => {
    const raw = parsed.options[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min)
      throw usageError(`--${name} must be an integer >= ${min}, got ${raw}`);
    return value;
  };
  const entryPoint = parsed.options['entry-point'];
  return {
    env,
    stackName,
    command,
    ...(entryPoint !== undefined ? { entryPoint: parseEntryPoint(entryPoint, usageError) } : {}),
    ...(parsed.options.region ? { region: parsed.options.region } : {}),
    timeoutMinutes: number('timeout', 30, 1),
    tailLines: number('tail', 50, 0),
    json: parsed.flags.json,
  };
}

/** `--entry-point` as words: a JSON array of strings, or the value split on spaces. */
function parseEntryPoint(raw: string, usageError: (m: string) => CliError): string[] {
  let words: unknown = raw.trim().split(/\s+/).filter(Boolean);
  if (raw.trim().startsWith('[')) {
    try {
      words = JSON.parse(raw);
    } catch {
      words = undefined;
    }
  }
  if (!Array.isArray(words) || words.length === 0 || !words.every((w) => typeof w === 'string')) {
    throw usageError(`--entry-point must be a command or a JSON array of strings, got ${raw}`);
  }
  return words;
}

/** What the stack says about how the service runs its tasks. */
export interface TaskTarget {
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly container: string;
  readonly subnets: string[];
  readonly securityGroup: string;
  readonly logGroup: string;
}

/** Read the task outputs of the stack; a missing stack or output is a CliError saying what to do. */
export async function readTaskTarget(cfn: CloudFormationClient, stackName: string): Promise<TaskTarget> {
  let outputs: Record<string, string>;
  try {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    if (!stack) throw new CliError(`Stack ${stackName} not found.`);
    outputs = Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (e) {
    const err = e as { name?: string; message?: string };
    if (err.name === 'ValidationError' && /does not exist/i.test(err.message ?? '')) {
      throw new CliError(
        `Stack ${stackName} not found. Check the environment name and pass --region or set AWS_REGION ` +
          'if the stack lives in another region.',
      );
    }
    throw e;
  }
  const missing = Object.values(TASK_OUTPUTS).filter(
    (key) => key !== TASK_OUTPUTS.serviceName && !outputs[key],
  );
  if (missing.length > 0) {
    throw new CliError(
      `Stack ${stackName} has no output ${missing.join(', ')}: it was deployed before npm run task existed. ` +
        `Deploy the current version (npx cdk deploy ${stackName}) and try again.`,
    );
  }
  return {
    cluster: outputs[TASK_OUTPUTS.clusterName],
    taskDefinition: outputs[TASK_OUTPUTS.taskDefinitionArn],
    container: outputs[TASK_OUTPUTS.containerName],
    subnets: outputs[TASK_OUTPUTS.subnetIds].split(',').filter(Boolean),
    securityGroup: outputs[TASK_OUTPUTS.securityGroupId],
    logGroup: outputs[TASK_OUTPUTS.logGroupName],
  };
}

/** The outcome of one run. */
export interface TaskResult {
  readonly taskArn: string;
  readonly taskId: string;
  readonly command: string[];
  /** The container's exit code; absent when it never ran (e.g. CannotPullContainerError). */
  readonly exitCode?: number;
  readonly stopCode?: string;
  readonly stoppedReason?: string;
  /** Why the container stopped, when ECS says (e.g. the image pull error). */
  readonly containerReason?: string;
  readonly logGroup: string;
  readonly logStream: string;
  readonly logTail: string[];
}

export interface TaskDeps {
  readonly cloudFormation: (region?: string) => CloudFormationClient;
  readonly ecs: (region?: string) => ECSClient;
  readonly logs: (region?: string) => CloudWatchLogsClient;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** Where the log tail goes without --json (stdout). */
  readonly out: (line: string) => void;
  /** The region from --region or the environment. @default resolveRegion (bin/cli.ts) */
  readonly region?: (flag?: string) => string;
}

const defaultDeps: TaskDeps = {
  cloudFormation: (region) => new CloudFormationClient(region ? { region } : {}),
  ecs: (region) => new ECSClient({ maxAttempts: 5, ...(region ? { region } : {}) }),
  logs: (region) => new CloudWatchLogsClient(region ? { region } : {}),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  out: (line) => process.stdout.write(`${line}\n`),
};

/** The RunTask request: the service's network, one task, the command on the app container. */
export function runTaskInput(target: TaskTarget, command: readonly string[]) {
  return {
    cluster: target.cluster,
    taskDefinition: target.taskDefinition,
    launchType: 'FARGATE' as const,
    count: 1,
    startedBy: STARTED_BY,
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: target.subnets,
        securityGroups: [target.securityGroup],
        // Private subnets reach registries and AWS APIs through the NAT gateway, as the service does.
        assignPublicIp: 'DISABLED' as const,
      },
    },
    overrides: { containerOverrides: [{ name: target.container, command: [...command] }] },
  };
}

/** Start the task, wait until it stops (or the timeout), read its log tail. */
export async function runOneOffTask(args: TaskArgs, deps: TaskDeps): Promise<TaskResult> {
  const stackTarget = await readTaskTarget(deps.cloudFormation(args.region), args.stackName);
  const ecs = deps.ecs(args.region);
  if (!args.entryPoint) return runAndWait(args, deps, ecs, stackTarget);
  const revision = await registerWithEntryPoint(ecs, stackTarget, args.entryPoint);
  say(`Registered ${revision} with entry point ${JSON.stringify(args.entryPoint)} for this run`);
  try {
    return await runAndWait(args, deps, ecs, { ...stackTarget, taskDefinition: revision });
  } finally {
    // The one-off revision is not the service's: deregister it so it is never run by mistake.
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: revision }));
  }
}

/**
 * A revision of the service's task definition with the app container's entry point replaced: ECS
 * RunTask overrides a container's command but not its entry point (ContainerOverride has no
 * entryPoint; https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerOverride.html).
 */
export async function registerWithEntryPoint(
  ecs: ECSClient,
  target: TaskTarget,
  entryPoint: readonly string[],
): Promise<string> {
  const { taskDefinition: td } = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: target.taskDefinition }),
  );
  if (!td?.family || !td.containerDefinitions) {
    throw new CliError(`Task definition ${target.taskDefinition} could not be read.`);
  }
  const input: RegisterTaskDefinitionCommandInput = {
    family: td.family,
    taskRoleArn: td.taskRoleArn,
    executionRoleArn: td.executionRoleArn,
    networkMode: td.networkMode,
    containerDefinitions: td.containerDefinitions.map((c) =>
      c.name === target.container ? { ...c, entryPoint: [...entryPoint] } : c,
    ),
    volumes: td.volumes,
    placementConstraints: td.placementConstraints,
    requiresCompatibilities: td.requiresCompatibilities,
    cpu: td.cpu,
    memory: td.memory,
    runtimePlatform: td.runtimePlatform,
    ephemeralStorage: td.ephemeralStorage,
    pidMode: td.pidMode,
    ipcMode: td.ipcMode,
    proxyConfiguration: td.proxyConfiguration,
  };
  const registered = await ecs.send(new RegisterTaskDefinitionCommand(input));
  const arn = registered.taskDefinition?.taskDefinitionArn;
  if (!arn) throw new CliError('ECS registered no task definition revision for the entry point.');
  return arn;
}

async function runAndWait(
  args: TaskArgs,
  deps: TaskDeps,
  ecs: ECSClient,
  target: TaskTarget,
): Promise<TaskResult> {
  const started = await ecs.send(new RunTaskCommand(runTaskInput(target, args.command)));
  const failure = started.failures?.[0];
  const task = started.tasks?.[0];
  if (failure || !task?.taskArn) {
    throw new CliError(
      `ECS did not start the task: ${failure ? [failure.reason, failure.detail].filter(Boolean).join(': ') : 'no task returned'}`,
    );
  }
  const taskArn = task.taskArn;
  const taskId = taskArn.split('/').pop()!;
  const logStream = `${APP_LOG_STREAM_PREFIX}/${target.container}/${taskId}`;
  say(`Started task ${taskId} on ${target.cluster}: ${args.command.join(' ')}`);

  const deadline = deps.now() + args.timeoutMinutes * 60_000;
  let last: Task = task;
  let lastStatus = task.lastStatus;
  while (last.lastStatus !== 'STOPPED') {
    if (deps.now() >= deadline) {
      throw new CliError(
        `Task ${taskId} did not stop within ${args.timeoutMinutes} minutes (last status ${last.lastStatus ?? 'unknown'}); ` +
          'it keeps running. Follow its log with ' +
          `aws logs tail ${target.logGroup} --log-stream-names ${logStream} --follow, ` +
          `or stop it with aws ecs stop-task --cluster ${target.cluster} --task ${taskId}.`,
        TIMEOUT_EXIT_CODE,
      );
    }
    await deps.sleep(POLL_INTERVAL_MS);
    const described = await ecs.send(new DescribeTasksCommand({ cluster: target.cluster, tasks: [taskArn] }));
    const current = described.tasks?.[0];
    if (!current) {
      const reason = described.failures?.[0]?.reason ?? 'not found';
      throw new CliError(`Task ${taskId} can no longer be described (${reason}).`);
    }
    last = current;
    if (last.lastStatus !== lastStatus) {
      lastStatus = last.lastStatus;
      say(`Task ${taskId}: ${lastStatus}`);
    }
  }

  const container = last.containers?.find((c) => c.name === target.container);
  return {
    taskArn,
    taskId,
    command: args.command,
    ...(container?.exitCode !== undefined ? { exitCode: container.exitCode } : {}),
    ...(last.stopCode ? { stopCode: last.stopCode } : {}),
    ...(last.stoppedReason ? { stoppedReason: last.stoppedReason } : {}),
    ...(container?.reason ? { containerReason: container.reason } : {}),
    logGroup: target.logGroup,
    logStream,
    logTail: await logTail(deps.logs(args.region), target.logGroup, logStream, args.tailLines),
  };
}

/** The last `lines` log events of the task's stream; none when the container never wrote one. */
async function logTail(
  logs: CloudWatchLogsClient,
  logGroupName: string,
  logStreamName: string,
  lines: number,
): Promise<string[]> {
  if (lines === 0) return [];
  try {
    const response = await logs.send(
      new GetLogEventsCommand({ logGroupName, logStreamName, limit: lines, startFromHead: false }),
    );
    return (response.events ?? []).map((e) => e.message ?? '');
  } catch (e) {
    if ((e as { name?: string }).name === 'ResourceNotFoundException') return [];
    throw e;
  }
}

/** The exit code `npm run task` ends with: the container's, or 1 when it never ran. */
export function exitCodeOf(result: TaskResult): number {
  return result.exitCode ?? 1;
}

export async function main(argv: readonly string[], deps: TaskDeps = defaultDeps): Promise<number> {
  const parsed = parseTaskArgs(argv);
  // Resolved here like the AWS CLI does, so a missing region is one line, never an SDK hostname error.
  const args = { ...parsed, region: (deps.region ?? ((flag) => resolveRegion(flag).region))(parsed.region) };
  const result = await runOneOffTask(args, deps);
  if (args.json) {
    printJson(result);
  } else {
    if (result.logTail.length > 0) {
      say(`--- last ${result.logTail.length} log line(s) of ${result.logGroup} ${result.logStream} ---`);
      for (const line of result.logTail) deps.out(line);
    } else if (args.tailLines > 0) {
      say(
        `(no log lines in ${result.logGroup} ${result.logStream}; CloudWatch Logs may show them a few seconds later)`,
      );
    }
    const reason = [result.stoppedReason, result.containerReason].filter(Boolean).join('; ');
    say(
      result.exitCode !== undefined
        ? `Task ${result.taskId} exited with code ${result.exitCode}${result.exitCode !== 0 && reason ? ` (${reason})` : ''}.`
        : `Task ${result.taskId} stopped before its command ran: ${reason || result.stopCode || 'no reason given'}.`,
    );
  }
  return exitCodeOf(result);
}

/** Credentials, region and permission errors as instructions. */
export function explainTaskError(e: unknown): unknown {
  if (e instanceof CliError) return e;
  const err = e as { message?: string };
  const kind = awsErrorKind(e);
  if (kind === 'credentials') {
    return new CliError(
      'No AWS credentials found. Configure them (aws configure, AWS_PROFILE=<profile>, or aws sso login).',
    );
  }
  if (kind === 'region') return new CliError(NO_REGION_MESSAGE);
  if (kind === 'denied') {
    // RunTask passes the task definition's roles to ECS, which needs iam:PassRole on them
    // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html).
    return new CliError(
      'Access denied: npm run task needs cloudformation:DescribeStacks, ecs:RunTask, ecs:DescribeTasks, ' +
        "iam:PassRole on the task's execution and task roles, and logs:GetLogEvents (with --entry-point also " +
        `ecs:DescribeTaskDefinition, ecs:RegisterTaskDefinition and ecs:DeregisterTaskDefinition). ${err.message ?? ''}`.trim(),
    );
  }
  return e;
}

if (require.main === module) {
  runCli(() => main(process.argv.slice(2)), explainTaskError);
}
