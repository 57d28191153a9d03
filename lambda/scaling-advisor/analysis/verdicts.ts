import { ids } from '../queries';
import type { DataQuality, SeriesById } from './series';
import type { Traffic } from './traffic';

/** The verdicts, the tiers, and what one analysis (and one run) reports. */

/** The verdicts. Stable: they are README text and (through VERDICT_CODES) a metric value. */
export const VERDICTS = [
  'INSUFFICIENT_DATA',
  'HEALTHY',
  'APP_SATURATED_AT_MAX',
  'DB_READ_BOUND',
  'DB_WRITE_BOUND',
  'DB_CONNECTION_EXHAUSTION',
  'CACHE_PRESSURE',
  'CACHE_LOW_HIT_RATE',
  'REPLICA_LAG',
  'OVER_PROVISIONED',
] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Value of the `Verdict` metric per verdict. Never renumber: dashboards and history depend on it. */
export const VERDICT_CODES: Readonly<Record<Verdict, number>> = {
  HEALTHY: 0,
  APP_SATURATED_AT_MAX: 1,
  DB_READ_BOUND: 2,
  DB_WRITE_BOUND: 3,
  DB_CONNECTION_EXHAUSTION: 4,
  CACHE_PRESSURE: 5,
  CACHE_LOW_HIT_RATE: 6,
  REPLICA_LAG: 7,
  OVER_PROVISIONED: 8,
  INSUFFICIENT_DATA: 9,
};

/** The verdict a code stands for, or undefined for a value that is not a code. */
export function verdictFromCode(code: number): Verdict | undefined {
  return VERDICTS.find((v) => VERDICT_CODES[v] === code);
}

export const TIERS = ['app', 'database', 'proxy', 'cache', 'replicas'] as const;
export type Tier = (typeof TIERS)[number];

/**
 * - OK: every signal below its line.
 * - IDLE: far below the scale-in line (only judged for the app tier).
 * - PRESSURE: a signal sustained over its line.
 * - SATURATED: over its line with no automatic relief left (app tier at max tasks, or memory-bound).
 * - NO_DATA: a required series is missing (named in dataQuality.missing or notes).
 * - NOT_DEPLOYED: the stack has none of it (no read replicas).
 */
export type TierState = 'OK' | 'IDLE' | 'PRESSURE' | 'SATURATED' | 'NO_DATA' | 'NOT_DEPLOYED';

export interface TierAssessment {
  readonly state: TierState;
  /** 0-100; absent when the tier has no data or is not deployed. */
  readonly headroomPercent?: number;
  /** The numbers behind the state, one line. */
  readonly summary: string;
}

export interface Analysis {
  readonly verdict: Verdict;
  readonly verdictCode: number;
  /** The tier holding the bottleneck; absent for HEALTHY and INSUFFICIENT_DATA. */
  readonly bottleneckTier?: Tier;
  /** The lever to pull, in words. */
  readonly recommendation: string;
  /** The evidence: the deciding finding first, then other findings, symptoms and gaps. */
  readonly reasons: string[];
  readonly tiers: Readonly<Record<Tier, TierAssessment>>;
  readonly traffic: Traffic;
  readonly dataQuality: DataQuality;
}

/** What one run reports: the analysis plus when, over what window, and what it did about it. */
export interface AdvisorReport extends Analysis {
  readonly stackName: string;
  /** ISO time of the run. */
  readonly generatedAt: string;
  readonly window: { readonly start: string; readonly end: string; readonly minutes: number };
  /** The verdict of the run before, from the advisor's own metric; absent when none was found. */
  readonly previousVerdict?: Verdict;
  /** The verdict differs from the previous one (or there was none). */
  readonly verdictChanged: boolean;
  /** Metrics were written (the Lambda always; the CLI with --publish). */
  readonly published: boolean;
  /** The topic was notified on this run. */
  readonly notified: boolean;
  /** GetMetricData calls and throttling retries of this run. */
  readonly fetch: { readonly calls: number; readonly retries: number; readonly queries: number };
}

/** One tier's finding: a candidate verdict, ordered by `analyze` (see index.ts). */
export interface Finding {
  readonly verdict: Verdict;
  readonly tier: Tier;
  readonly recommendation: string;
  /** The first reason is the one-line evidence. */
  readonly reasons: string[];
}

/** The verdict the advisor published last, from the `advisor_previous_verdict` series. */
export function previousVerdict(series: SeriesById): Verdict | undefined {
  const s = series[ids.previousVerdict];
  if (!s || s.values.length === 0) return undefined;
  let latest = 0;
  for (let i = 1; i < s.timestamps.length; i++) if (s.timestamps[i] > s.timestamps[latest]) latest = i;
  return verdictFromCode(s.values[latest]);
}
