import { CloudWatchClient, GetMetricDataCommand, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { MetricSeries, SeriesById } from './analysis';
import { batchQueries, MAX_QUERIES_PER_CALL } from './queries';

/** Error names CloudWatch uses when it sheds load. */
export const THROTTLING_ERRORS: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'LimitExceededException',
  'TooManyRequestsException',
]);

export interface FetchOptions {
  readonly startTime: Date;
  readonly endTime: Date;
  /** Waits between retries; tests inject an instant one. */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Retries of one call after a throttling error, on top of the SDK's own `maxAttempts`.
   * @default 4
   */
  readonly maxRetries?: number;
  /**
   * First backoff delay; doubles per retry, with jitter.
   * @default 500
   */
  readonly baseDelayMs?: number;
  /**
   * Pages followed per batch before giving up (a guard against a NextToken that never ends).
   * @default 100
   */
  readonly maxPages?: number;
  /** @default 500 (the API limit) */
  readonly batchSize?: number;
  /** Random source for jitter; tests make it deterministic. @default Math.random */
  readonly random?: () => number;
}

export interface FetchResult {
  readonly series: SeriesById;
  /** GetMetricData calls made (pages included, retries excluded). */
  readonly calls: number;
  /** Retries after throttling. */
  readonly retries: number;
  /** Top-level messages CloudWatch returned (for example about limits). */
  readonly messages: string[];
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Run every query over [startTime, endTime): as few calls as the 500-query limit allows, each
 * followed through its NextToken pages, each retried with bounded exponential backoff when throttled.
 * Returns one series per query id, oldest datapoint first.
 */
export async function fetchMetricData(
  client: CloudWatchClient,
  queries: readonly MetricDataQuery[],
  options: FetchOptions,
): Promise<FetchResult> {
  const sleep = options.sleep ?? defaultSleep;
  const maxRetries = options.maxRetries ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxPages = options.maxPages ?? 100;
  const random = options.random ?? Math.random;
  const acc = new Map<string, { points: Map<number, number>; status: string; messages: string[] }>();
  const messages: string[] = [];
  let calls = 0;
  let retries = 0;

  for (const batch of batchQueries(queries, options.batchSize ?? MAX_QUERIES_PER_CALL)) {
    for (const q of batch) acc.set(q.Id!, { points: new Map(), status: 'Complete', messages: [] });
    let nextToken: string | undefined;
    let pages = 0;
    do {
      if (++pages > maxPages) {
        messages.push(`stopped after ${maxPages} pages of one batch; the rest of its data is missing`);
        for (const q of batch) acc.get(q.Id!)!.status = 'PartialData';
        break;
      }
      const command = new GetMetricDataCommand({
        MetricDataQueries: batch,
        StartTime: options.startTime,
        EndTime: options.endTime,
        NextToken: nextToken,
        // Oldest first: the analysis and the table read left to right.
        ScanBy: 'TimestampAscending',
      });
      let attempt = 0;
      for (;;) {
        try {
          const out = await client.send(command);
          calls++;
          for (const m of out.Messages ?? []) messages.push(`${m.Code ?? ''} ${m.Value ?? ''}`.trim());
          for (const result of out.MetricDataResults ?? []) {
            const entry = acc.get(result.Id ?? '');
            if (!entry) continue;
            const ts = result.Timestamps ?? [];
            (result.Values ?? []).forEach((v, i) => {
              if (ts[i]) entry.points.set(new Date(ts[i]).getTime(), v);
            });
            // The status of the last page wins: PartialData on a page means "more on the next page".
            if (result.StatusCode) entry.status = result.StatusCode;
            for (const m of result.Messages ?? [])
              entry.messages.push(`${m.Code ?? ''} ${m.Value ?? ''}`.trim());
          }
          nextToken = out.NextToken;
          break;
        } catch (error) {
          if (!isThrottling(error) || attempt >= maxRetries) {
            if (isThrottling(error)) {
              throw new Error(
                `GetMetricData still throttled after ${attempt + 1} attempts: ${(error as Error).message}`,
                { cause: error },
              );
            }
            throw error;
          }
          // Exponential backoff with jitter, so concurrent callers (the schedule and a laptop run) do
          // not retry in step.
          const delay = baseDelayMs * 2 ** attempt;
          await sleep(Math.round(delay / 2 + (random() * delay) / 2));
          attempt++;
          retries++;
        }
      }
    } while (nextToken);
  }

  const series: Record<string, MetricSeries> = {};
  for (const [id, entry] of acc) {
    const timestamps = [...entry.points.keys()].sort((a, b) => a - b);
    series[id] = {
      id,
      timestamps,
      values: timestamps.map((t) => entry.points.get(t)!),
      status: entry.status,
      ...(entry.messages.length ? { messages: entry.messages } : {}),
    };
  }
  return { series, calls, retries, messages };
}

export function isThrottling(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; $retryable?: { throttling?: boolean } };
  return THROTTLING_ERRORS.has(e.name ?? '') || e.$retryable?.throttling === true;
}
