import { CloudWatchClient, MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { ScheduledEvent } from 'aws-lambda';
import { AdvisorReport, analyze, previousVerdict, TIERS } from './analysis';
import { fetchMetricData } from './fetch';
import { formatReport } from './format';
import { buildQueries, PERIOD_SECONDS } from './queries';
import { ADVISOR_METRICS, AdvisorTargets, targetsFromEnv } from './targets';
import { formatForVerdict, QueryAdvisorRun } from '../query-advisor/format';

let lambdaClient: LambdaClient | undefined;

/**
 * The scaling advisor: reads the stack's metrics, names the bottleneck, publishes its verdict and
 * per-tier headroom as metrics, logs one JSON report, and notifies the topic when the verdict changes.
 *
 * Runs on an EventBridge schedule or on demand (`aws lambda invoke`); the event's content is ignored.
 * The laptop CLI (`npm run advisor`) calls {@link runAdvisor} with the same code.
 */

export interface AdvisorClients {
  readonly cloudWatch: CloudWatchClient;
  readonly sns: SNSClient;
}

export interface RunOptions {
  /** Write the metrics and notify the topic on a change. The Lambda always does; the CLI only with --publish. */
  readonly publish: boolean;
  /** @default the current time */
  readonly now?: Date;
  /** Backoff sleep for throttling retries; tests inject an instant one. */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * The query advisor's findings as text (lambda/query-advisor), appended to the notification of a
   * database verdict. A failure is noted in the message, never fatal.
   * @default - no query findings
   */
  readonly queryFindings?: () => Promise<string>;
}

/** The verdicts whose notification carries the query advisor's findings. */
export const DATABASE_VERDICTS: ReadonlySet<string> = new Set([
  'DB_READ_BOUND',
  'DB_WRITE_BOUND',
  'DB_CONNECTION_EXHAUSTION',
]);

const MINUTE_MS = 60_000;
// SNS rejects subjects over 100 characters.
const MAX_SUBJECT = 100;

/** One advisor run for `targets`: fetch, analyze, then (when publishing) notify and put metrics. */
export async function runAdvisor(
  targets: AdvisorTargets,
  clients: AdvisorClients,
  options: RunOptions,
): Promise<AdvisorReport> {
  const now = options.now ?? new Date();
  // Whole minutes: CloudWatch answers period-aligned windows fastest, and the minute in progress has
  // no complete datapoint yet.
  const end = new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS);
  const start = new Date(end.getTime() - targets.windowMinutes * MINUTE_MS);
  const queries = buildQueries(targets);

  // The previous verdict is one of the queries, so it is read in the same calls and always before
  // this run's verdict is written.
  const fetched = await fetchMetricData(clients.cloudWatch, queries, {
    startTime: start,
    endTime: end,
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  const analysis = analyze(fetched.series, targets);
  const previous = previousVerdict(fetched.series);
  const verdictChanged = previous !== analysis.verdict;

  const report: AdvisorReport = {
    stackName: targets.stackName,
    generatedAt: now.toISOString(),
    window: { start: start.toISOString(), end: end.toISOString(), minutes: targets.windowMinutes },
    ...analysis,
    dataQuality: {
      ...analysis.dataQuality,
      notes: [...analysis.dataQuality.notes, ...fetched.messages.map((m) => `CloudWatch: ${m}`)],
    },
    ...(previous ? { previousVerdict: previous } : {}),
    verdictChanged,
    published: false,
    notified: false,
    fetch: { calls: fetched.calls, retries: fetched.retries, queries: queries.length },
  };
  if (!options.publish) return report;

  // Notify before writing the new verdict: if the write fails, the next run still sees the old
  // verdict and notifies again. A duplicate mail beats a lost one.
  let notified = false;
  if (verdictChanged && targets.topicArn) {
    let message = formatReport(report);
    if (options.queryFindings && DATABASE_VERDICTS.has(analysis.verdict)) {
      const findings = await options
        .queryFindings()
        .catch((e: unknown) => `Query advisor: no findings (${(e as Error).message ?? String(e)})`);
      message = `${message}\n\n${findings}`;
    }
    await clients.sns.send(
      new PublishCommand({
        TopicArn: targets.topicArn,
        Subject: `Scaling advisor ${targets.stackName}: ${analysis.verdict}`.slice(0, MAX_SUBJECT),
        // SNS accepts messages up to 256 KB; the findings are a few dozen lines.
        Message: message,
      }),
    );
    notified = true;
  }
  // Stamped with the last whole minute of the window, not with `now`: the previous-verdict query
  // ends (exclusively) at the start of the current minute, so a verdict stamped `now` would be
  // invisible to a second run in the same minute (a scheduled run plus an on-demand invoke or a
  // laptop --publish), which would then mail the same change again. Stamped here, every later run
  // sees it, including one in the same minute (GetMetricData EndTime is exclusive:
  // docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html).
  const stampedAt = new Date(end.getTime() - MINUTE_MS);
  await clients.cloudWatch.send(
    new PutMetricDataCommand({
      Namespace: targets.namespace,
      MetricData: metricData(targets, report, stampedAt),
    }),
  );
  return { ...report, published: true, notified };
}

/** The verdict code plus one headroom datum per tier that has one (no data, no datum: never a made-up 0). */
export function metricData(targets: AdvisorTargets, report: AdvisorReport, timestamp: Date): MetricDatum[] {
  const stack = { Name: ADVISOR_METRICS.stackDimension, Value: targets.stackName };
  const data: MetricDatum[] = [
    {
      MetricName: ADVISOR_METRICS.verdict,
      Dimensions: [stack],
      Timestamp: timestamp,
      Value: report.verdictCode,
      Unit: 'None',
      StorageResolution: PERIOD_SECONDS,
    },
  ];
  for (const tier of TIERS) {
    const headroom = report.tiers[tier].headroomPercent;
    if (headroom === undefined) continue;
    data.push({
      MetricName: ADVISOR_METRICS.headroom,
      Dimensions: [stack, { Name: ADVISOR_METRICS.tierDimension, Value: tier }],
      Timestamp: timestamp,
      Value: headroom,
      Unit: 'Percent',
      StorageResolution: PERIOD_SECONDS,
    });
  }
  return data;
}

export interface HandlerDeps {
  readonly clients: AdvisorClients;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default () => new Date() */
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Where the one JSON line per run goes. @default console.log */
  readonly log?: (line: string) => void;
  /** @default - invokes the function named in QUERY_ADVISOR_FUNCTION, when set */
  readonly queryFindings?: () => Promise<string>;
}

/** Environment variable naming the query advisor function the advisor invokes for database verdicts. */
export const QUERY_ADVISOR_FUNCTION_ENV = 'QUERY_ADVISOR_FUNCTION';

/**
 * How long a verdict's notification waits for the query advisor's findings; the function's timeout
 * includes it, so a slow database never costs the notification itself.
 */
export const QUERY_FINDINGS_TIMEOUT_MS = 20_000;

/** Invoke the query advisor function and render its run for a verdict's notification. */
export function invokeQueryAdvisor(
  lambdaClient: LambdaClient,
  functionName: string,
  timeoutMs = QUERY_FINDINGS_TIMEOUT_MS,
): () => Promise<string> {
  return async () => {
    const out = await lambdaClient.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: '{}' }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    );
    const body = new TextDecoder().decode(out.Payload ?? new Uint8Array());
    if (out.FunctionError) throw new Error(`${out.FunctionError}: ${body.slice(0, 300)}`);
    return formatForVerdict(JSON.parse(body) as QueryAdvisorRun);
  };
}

/** The Lambda handler, with its collaborators injected (tests pass mocked clients). */
export function createHandler(deps: HandlerDeps) {
  return async (_event?: ScheduledEvent | Record<string, unknown>): Promise<AdvisorReport> => {
    // Parsed per run, so a bad deployment fails every run with the same clear message.
    const env = deps.env ?? process.env;
    const targets = targetsFromEnv(env);
    const queryFunction = env[QUERY_ADVISOR_FUNCTION_ENV];
    const queryFindings =
      deps.queryFindings ??
      (queryFunction
        ? invokeQueryAdvisor((lambdaClient ??= new LambdaClient({})), queryFunction)
        : undefined);
    const report = await runAdvisor(targets, deps.clients, {
      publish: true,
      ...(queryFindings ? { queryFindings } : {}),
      ...(deps.now ? { now: deps.now() } : {}),
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
    });
    (deps.log ?? console.log)(JSON.stringify(report));
    return report;
  };
}

// Created once per execution environment and reused across invocations. maxAttempts adds the SDK's
// own retries (throttling included) under the advisor's bounded backoff.
const defaultClients: AdvisorClients = {
  cloudWatch: new CloudWatchClient({ maxAttempts: 3 }),
  sns: new SNSClient({ maxAttempts: 3 }),
};

export const handler = createHandler({ clients: defaultClients });
