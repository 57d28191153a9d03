import { crosses } from './lines';
import { ids } from './queries';
import type { AdvisorTargets } from './targets';

/**
 * The scaling advisor's judgement: pure functions from metric series to a verdict. No SDK, no clock,
 * no I/O, so every rule is tested with fixtures.
 *
 * How a signal is judged
 * - Coverage: a series counts only when it has at least MIN_COVERAGE of the window's one-minute
 *   datapoints (and at least MIN_DATAPOINTS). Fewer means "no data" for it, never "zero".
 *   Exception: ALB counts (requests, 5xx) are published only for minutes when they are non-zero, so a
 *   missing minute is zero requests, provided the ALB's host counts (published every minute) are there.
 * - Sustained level: the level the signal held or exceeded for at least a quarter of the window's
 *   datapoints (15 of 60 minutes: the ceil(n / 4)-th largest value); "at max tasks" counts the same
 *   15 minutes. A spike does not trip a rule; a sustained breach does.
 * - Lines: a level crosses a line the way the alarm on that line compares (`lines.ts`): at exactly a
 *   GreaterThanThreshold alarm's threshold, the alarm stays OK and so does the advisor.
 * - Headroom: how far a tier's busiest signal sits below its threshold, in percent of the threshold,
 *   clamped to 0-100 (0 = at or over the line). Tiers without data get no headroom, never a made-up one.
 *
 * Verdict precedence (several can hold at once): least complexity first, the order in which a team
 * should pull the levers (the lever order of the design notes):
 *   1. APP_SATURATED_AT_MAX      raise service.maxTasks, or bigger tasks      (one number)
 *   2. DB_READ_BOUND             cache the expensive reads, then add replicas
 *      DB_WRITE_BOUND            optimize the slow queries, then a larger primary
 *   3. DB_CONNECTION_EXHAUSTION  RDS Proxy pool settings, shorter transactions
 *   4. CACHE_PRESSURE            larger cache nodes or more shards
 *   5. CACHE_LOW_HIT_RATE        cache more / longer
 *   6. REPLICA_LAG               reads may be stale
 *   7. OVER_PROVISIONED          lower minimums           (only with complete data)
 *   8. HEALTHY                   nothing to scale         (only with complete data)
 *   9. INSUFFICIENT_DATA         says what is missing; never a guess
 * A finding from a tier that has data wins even when another tier has none (it was measured); the
 * missing tier is named in `reasons` and `dataQuality`. HEALTHY and OVER_PROVISIONED claim the
 * absence of every problem, so they need every required series.
 */

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

export interface DataQuality {
  /** Every required series had enough datapoints. */
  readonly complete: boolean;
  /** One-minute datapoints a full window holds. */
  readonly expectedDatapoints: number;
  /** Datapoints a series needs to count. */
  readonly minDatapoints: number;
  /** Required series without enough data (blocks HEALTHY and OVER_PROVISIONED). */
  readonly missing: string[];
  /** Series CloudWatch returned incompletely (PartialData, InternalError, Forbidden). */
  readonly partial: string[];
  /** Optional series that had no data, and why that is expected. */
  readonly notes: string[];
}

export interface Traffic {
  /** Requests in the window (missing minutes count as zero: the ALB publishes non-zero counts only). */
  readonly requests?: number;
  readonly requestsPerMinute?: number;
  /** Sustained p95 target response time (seconds). */
  readonly p95Seconds?: number;
  /** (target 5xx + ELB 5xx) / requests, when traffic is above the judging floor (%). */
  readonly errorRatePercent?: number;
  /** Requests AWS WAF blocked in the window (not counted in `requests`); absent without a web ACL. */
  readonly blockedRequests?: number;
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

/** One query's datapoints, oldest first. */
export interface MetricSeries {
  readonly id: string;
  /** Epoch milliseconds, ascending, parallel to `values`. */
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
  /** CloudWatch's StatusCode of the last page: Complete, PartialData, InternalError or Forbidden. */
  readonly status: string;
  readonly messages?: readonly string[];
}

export type SeriesById = Readonly<Record<string, MetricSeries>>;

/** Share of the window's datapoints a series needs (missing minutes are common at the window's edge). */
export const MIN_COVERAGE = 0.5;
/** A floor for short windows: fewer datapoints than this never make a trend. */
export const MIN_DATAPOINTS = 5;
/**
 * Share of the window a signal must hold a level (or the service its maximum) to count: a quarter,
 * 15 of 60 minutes. Both the sustained level and the at-maximum rule use it ({@link sustainedCount}).
 */
export const SUSTAINED_SHARE = 0.25;
/**
 * Cache lookups a window needs before its hit rate is judged: the `CacheHitRate` alarm's floor
 * (`observability.cacheHitRateMinLookupsPerMinute`) over the window's minutes, and at least one lookup.
 */
export function minCacheLookups(targets: AdvisorTargets): number {
  return Math.max(1, targets.thresholds.cacheHitRateMinLookupsPerMinute * targets.windowMinutes);
}

/** The verdict the advisor published last, from the `advisor_previous_verdict` series. */
export function previousVerdict(series: SeriesById): Verdict | undefined {
  const s = series[ids.previousVerdict];
  if (!s || s.values.length === 0) return undefined;
  let latest = 0;
  for (let i = 1; i < s.timestamps.length; i++) if (s.timestamps[i] > s.timestamps[latest]) latest = i;
  return verdictFromCode(s.values[latest]);
}

/** Judge one window of metrics. */
export function analyze(series: SeriesById, targets: AdvisorTargets): Analysis {
  const reader = new SeriesReader(series, targets.windowMinutes);

  const traffic = assessTraffic(reader, targets);
  const app = assessApp(reader, targets);
  const db = assessDatabase(reader, targets);
  const proxy = assessProxy(reader, targets);
  const cache = assessCache(reader, targets);
  const replicas = assessReplicas(reader, targets);

  // Findings in precedence order (see the module comment). The first one is the verdict.
  const findings: Finding[] = [];
  if (app.finding) findings.push(app.finding);
  if (db.finding) findings.push(db.finding);
  if (replicas.readFinding) findings.push(replicas.readFinding);
  if (proxy.finding) findings.push(proxy.finding);
  if (cache.pressureFinding) findings.push(cache.pressureFinding);
  if (cache.hitRateFinding) findings.push(cache.hitRateFinding);
  if (replicas.lagFinding) findings.push(replicas.lagFinding);

  const symptoms = traffic.symptoms;
  const quality = reader.quality();
  const reasons: string[] = [];
  let verdict: Verdict;
  let bottleneckTier: Tier | undefined;
  let recommendation: string;

  if (findings.length > 0) {
    const [first, ...others] = findings;
    verdict = first.verdict;
    bottleneckTier = first.tier;
    recommendation = first.recommendation;
    reasons.push(...first.reasons);
    for (const o of others) reasons.push(`Also ${o.verdict}: ${o.reasons[0]}`);
    if (!quality.complete) {
      reasons.push(`Not evaluated for lack of data: ${quality.missing.join('; ')}`);
    }
  } else if (!quality.complete) {
    verdict = 'INSUFFICIENT_DATA';
    recommendation =
      `Not enough data to name a bottleneck, so none is named (${quality.missing.length} series short of data, ` +
      `listed in the reasons). A new stack needs about ${reader.minDatapoints} minutes of metrics; ` +
      'otherwise check that each resource exists and publishes (Container Insights for task counts).';
    reasons.push(...quality.missing.map((m) => `No data: ${m}`));
  } else if (app.overProvisioned) {
    verdict = 'OVER_PROVISIONED';
    bottleneckTier = 'app';
    recommendation = app.overProvisioned.recommendation;
    reasons.push(...app.overProvisioned.reasons);
  } else {
    verdict = 'HEALTHY';
    recommendation =
      symptoms.length > 0
        ? 'No tier is saturated, yet users see the symptoms below: adding capacity will not fix them. ' +
          'Profile the application (slow code paths, calls to services outside this stack, unhealthy tasks).'
        : app.assessment.state === 'PRESSURE'
          ? 'The app tier is busy but autoscaling still has room to add tasks: no lever to pull now.'
          : traffic.zeroTraffic
            ? `No requests in the last ${targets.windowMinutes} minutes and no tier under load: nothing to scale.`
            : 'Every tier has headroom: no scaling needed.';
    reasons.push(...[app, db, proxy, cache, replicas].map((a) => a.okReason).filter((r): r is string => !!r));
  }
  reasons.push(...symptoms);
  reasons.push(...db.notes, ...proxy.notes, ...replicas.notes, ...app.notes);

  return {
    verdict,
    verdictCode: VERDICT_CODES[verdict],
    ...(bottleneckTier ? { bottleneckTier } : {}),
    recommendation,
    reasons,
    tiers: {
      app: app.assessment,
      database: db.assessment,
      proxy: proxy.assessment,
      cache: cache.assessment,
      replicas: replicas.assessment,
    },
    traffic: traffic.traffic,
    dataQuality: quality,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading series
// ---------------------------------------------------------------------------------------------

interface Finding {
  readonly verdict: Verdict;
  readonly tier: Tier;
  readonly recommendation: string;
  /** The first reason is the one-line evidence. */
  readonly reasons: string[];
}

/** A series with its usable datapoints and whether there are enough of them. */
interface Signal {
  readonly name: string;
  readonly timestamps: number[];
  readonly values: number[];
  readonly enough: boolean;
}

class SeriesReader {
  readonly expected: number;
  readonly minDatapoints: number;
  private readonly missing: string[] = [];
  private readonly partial: string[] = [];
  private readonly notes: string[] = [];

  constructor(
    private readonly series: SeriesById,
    windowMinutes: number,
  ) {
    this.expected = windowMinutes;
    this.minDatapoints = Math.max(MIN_DATAPOINTS, Math.ceil(windowMinutes * MIN_COVERAGE));
  }

  /**
   * A series that a verdict of HEALTHY depends on: without enough datapoints it is reported in
   * `dataQuality.missing`.
   */
  required(id: string, name: string): Signal {
    const s = this.read(id, name);
    if (!s.enough) this.missing.push(`${name} (${s.values.length} of ${this.expected} datapoints)`);
    return s;
  }

  /** A series whose absence is expected in some situations; `why` explains it in `dataQuality.notes`. */
  optional(id: string, name: string, why?: string): Signal {
    const s = this.read(id, name);
    if (!s.enough && why) this.notes.push(`${name}: no data (${why})`);
    return s;
  }

  /** A count published only when non-zero: every datapoint counts, missing minutes are zero. */
  count(id: string, name: string): Signal {
    return this.read(id, name);
  }

  /** Record a required signal as missing when no single series stands for it. */
  markMissing(text: string): void {
    this.missing.push(text);
  }

  note(text: string): void {
    this.notes.push(text);
  }

  quality(): DataQuality {
    return {
      complete: this.missing.length === 0,
      expectedDatapoints: this.expected,
      minDatapoints: this.minDatapoints,
      missing: [...this.missing],
      partial: [...this.partial],
      notes: [...this.notes],
    };
  }

  private read(id: string, name: string): Signal {
    const s = this.series[id];
    const timestamps: number[] = [];
    const values: number[] = [];
    if (s) {
      s.values.forEach((v, i) => {
        if (Number.isFinite(v)) {
          values.push(v);
          timestamps.push(s.timestamps[i]);
        }
      });
      if (s.status && s.status !== 'Complete') {
        this.partial.push(`${name}: ${s.status}${s.messages?.length ? ` (${s.messages.join('; ')})` : ''}`);
      }
    }
    return { name, timestamps, values, enough: values.length >= this.minDatapoints };
  }
}

/**
 * The level the signal held or exceeded for at least a quarter of its datapoints (15 of 60): the
 * ceil(n / 4)-th largest value. The at-maximum rule counts the same way ({@link sustainedCount}).
 */
export function sustainedLevel(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length - sustainedCount(values.length)];
}
/** Datapoints of `n` that make "a quarter of the window": ceil(n x SUSTAINED_SHARE), at least 1. */
export function sustainedCount(n: number): number {
  return Math.max(1, Math.ceil(n * SUSTAINED_SHARE - 1e-9));
}
const sustained = (s: Signal): number => sustainedLevel(s.values);
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const mean = (values: readonly number[]): number => (values.length ? sum(values) / values.length : NaN);

/** Combine two series minute by minute (only minutes both have). */
function combine(a: Signal, b: Signal, f: (x: number, y: number) => number | undefined): number[] {
  const byTime = new Map<number, number>();
  a.timestamps.forEach((ts, i) => byTime.set(ts, a.values[i]));
  const out: number[] = [];
  b.timestamps.forEach((ts, i) => {
    const x = byTime.get(ts);
    if (x === undefined) return;
    const v = f(x, b.values[i]);
    if (v !== undefined && Number.isFinite(v)) out.push(v);
  });
  return out;
}

/** Headroom of a value against a "higher is worse" line, in percent of the line, clamped 0-100. */
function headroom(value: number, line: number): number {
  if (!Number.isFinite(value)) return NaN;
  if (line <= 0) return value > 0 ? 0 : 100;
  return clamp(100 * (1 - value / line));
}

function clamp(v: number): number {
  return Math.round(Math.min(100, Math.max(0, v)) * 10) / 10;
}

const minOf = (values: number[]): number | undefined => {
  const finite = values.filter(Number.isFinite);
  return finite.length ? Math.min(...finite) : undefined;
};

const pct = (v: number): string => `${round(v)}%`;
const round = (v: number, digits = 1): string => {
  const f = 10 ** digits;
  return String(Math.round(v * f) / f);
};
const withHeadroom = (h: number | undefined): { headroomPercent?: number } =>
  h === undefined ? {} : { headroomPercent: h };

// ---------------------------------------------------------------------------------------------
// Traffic and symptoms (load balancer)
// ---------------------------------------------------------------------------------------------

function targetGroupNames(targets: AdvisorTargets): string {
  return [targets.targetGroupFullName, targets.alternateTargetGroupFullName].filter(Boolean).join(' + ');
}

/**
 * A host count summed over the service's target groups, minute by minute: the first group alone,
 * or with the alternate one of a canary, linear or blue/green service, whose groups swap roles every
 * release (the idle group has no targets). A minute counts when either group reported it.
 */
function hostCount(
  r: SeriesReader,
  targets: AdvisorTargets,
  metric: 'HealthyHostCount' | 'UnHealthyHostCount',
): Signal {
  const healthy = metric === 'HealthyHostCount';
  const first = r.optional(
    healthy ? ids.healthyHosts : ids.unhealthyHosts,
    `${metric} of ${targets.targetGroupFullName}`,
  );
  if (!targets.alternateTargetGroupFullName) return first;
  const alternate = r.optional(
    healthy ? ids.healthyHostsAlternate : ids.unhealthyHostsAlternate,
    `${metric} of ${targets.alternateTargetGroupFullName}`,
  );
  const sums = new Map<number, number>();
  for (const s of [first, alternate]) {
    s.timestamps.forEach((t, i) => sums.set(t, (sums.get(t) ?? 0) + s.values[i]));
  }
  const timestamps = [...sums.keys()].sort((a, b) => a - b);
  return {
    name: `${metric} of ${targetGroupNames(targets)}`,
    timestamps,
    values: timestamps.map((t) => sums.get(t)!),
    enough: timestamps.length >= r.minDatapoints,
  };
}

function assessTraffic(r: SeriesReader, targets: AdvisorTargets) {
  const t = targets.thresholds;
  const unhealthy = hostCount(r, targets, 'UnHealthyHostCount');
  const healthy = hostCount(r, targets, 'HealthyHostCount');
  const reporting = unhealthy.enough || healthy.enough;
  if (!reporting) {
    r.markMissing(
      `HealthyHostCount/UnHealthyHostCount of ${targetGroupNames(targets)} (${Math.max(healthy.values.length, unhealthy.values.length)} of ${r.expected} datapoints)`,
    );
  }
  const requests = appRequests(r, targets);
  const target5xx = r.count(ids.target5xx, 'HTTPCode_Target_5XX_Count');
  const elb5xx = r.count(ids.elb5xx, 'HTTPCode_ELB_5XX_Count');
  const p95 = r.optional(ids.p95ResponseTime, 'TargetResponseTime p95');

  const symptoms: string[] = [];
  const traffic: { -readonly [K in keyof Traffic]: Traffic[K] } = {};
  let zeroTraffic = false;
  if (reporting) {
    if (requests.blocked !== undefined) traffic.blockedRequests = requests.blocked;
    const total = sum(requests.values);
    traffic.requests = total;
    traffic.requestsPerMinute = Number(round(total / targets.windowMinutes, 2));
    zeroTraffic = total === 0;
    if (traffic.requestsPerMinute >= t.errorRateMinRequestsPerMinute && total > 0) {
      traffic.errorRatePercent = Number(
        round((100 * (sum(target5xx.values) + sum(elb5xx.values))) / total, 2),
      );
      if (crosses(traffic.errorRatePercent, t, 'errorRatePercent')) {
        symptoms.push(`Symptom: 5xx rate ${traffic.errorRatePercent}% is above ${t.errorRatePercent}%.`);
      }
    }
    if (unhealthy.enough && sustained(unhealthy) > 0) {
      symptoms.push(
        `Symptom: ${round(sustained(unhealthy), 0)} unhealthy target(s) for at least a quarter of the window.`,
      );
    }
  }
  // p95 exists only for minutes with requests; with fewer than MIN_DATAPOINTS busy minutes it says nothing.
  if (p95.values.length >= MIN_DATAPOINTS) {
    traffic.p95Seconds = Number(round(sustained(p95), 3));
    if (crosses(traffic.p95Seconds, t, 'p95ResponseTimeSeconds')) {
      symptoms.push(
        `Symptom: p95 response time ${traffic.p95Seconds} s is above the ${t.p95ResponseTimeSeconds} s target.`,
      );
    }
  }
  return { traffic: traffic as Traffic, symptoms, zeroTraffic };
}

/**
 * Requests that reached the app, per minute. Without a web ACL: the ALB's RequestCount. With one,
 * requests AWS WAF blocked are not app load, and the ALB documentation does not say whether its
 * RequestCount includes them (it counts "requests where the load balancer node was able to choose a
 * target"; a blocked request gets a 403 from the load balancer and never reaches one). WAF's own
 * AllowedRequests counts exactly what it let through, so the app's share of a minute is
 * min(RequestCount, AllowedRequests): right whether or not RequestCount includes the blocked ones.
 * Sources: ELB user guide, "CloudWatch metrics for your Application Load Balancer" (RequestCount);
 * WAF developer guide, "AWS WAF metrics and dimensions" (AllowedRequests, BlockedRequests).
 */
function appRequests(r: SeriesReader, targets: AdvisorTargets): Signal & { blocked?: number } {
  const alb = r.count(ids.requests, 'RequestCount');
  if (!targets.webAcl) return alb;
  const allowed = r.count(ids.wafAllowed, `AllowedRequests of web ACL ${targets.webAcl.metricName}`);
  const blocked = sum(
    r.count(ids.wafBlocked, `BlockedRequests of web ACL ${targets.webAcl.metricName}`).values,
  );
  if (allowed.values.length === 0 && sum(alb.values) > 0) {
    // WAF reports nothing although the ALB served requests: its metrics are off or misnamed. Count
    // the ALB's requests rather than claim there was no traffic.
    r.note(
      `AllowedRequests of web ACL ${targets.webAcl.metricName}: no data while the load balancer counted requests; ` +
        'traffic is RequestCount as reported (it may include requests WAF blocked).',
    );
    return { ...alb, blocked };
  }
  const allowedAt = new Map<number, number>();
  allowed.timestamps.forEach((ts, i) => allowedAt.set(ts, allowed.values[i]));
  // A minute WAF did not report is a minute it allowed nothing (counts are published when non-zero).
  const values = alb.values.map((v, i) => Math.min(v, allowedAt.get(alb.timestamps[i]) ?? 0));
  return { ...alb, values, blocked };
}

// ---------------------------------------------------------------------------------------------
// App tier (ECS service)
// ---------------------------------------------------------------------------------------------

function assessApp(r: SeriesReader, targets: AdvisorTargets) {
  const t = targets.thresholds;
  const cpu = r.required(ids.appCpu, `CPUUtilization of service ${targets.serviceName}`);
  const memory = r.required(ids.appMemory, `MemoryUtilization of service ${targets.serviceName}`);
  const tasks = r.required(
    ids.appTasks,
    `RunningTaskCount of service ${targets.serviceName} (Container Insights)`,
  );
  const notes: string[] = [];
  if (!cpu.enough || !memory.enough || !tasks.enough) {
    return {
      assessment: { state: 'NO_DATA', summary: 'not enough ECS metrics' } as TierAssessment,
      notes,
      okReason: undefined,
      finding: undefined as Finding | undefined,
      overProvisioned: undefined as { recommendation: string; reasons: string[] } | undefined,
    };
  }
  const cpuLevel = sustained(cpu);
  const memLevel = sustained(memory);
  const atMaxPoints = tasks.values.filter((v) => v >= targets.maxTasks).length;
  const atMax = atMaxPoints >= sustainedCount(tasks.values.length);
  const maxRunning = Math.max(...tasks.values);
  const minutesAtMax = `${atMaxPoints} of ${tasks.values.length} minutes`;

  // CPU headroom counts the tasks autoscaling may still add: used capacity (tasks x CPU per task)
  // against the capacity at max tasks, each at the CPU alarm line.
  const cpuCapacity = combine(tasks, cpu, (n, c) => n * c);
  const cpuHeadroom = headroom(sustainedLevel(cpuCapacity), targets.maxTasks * t.serviceCpuPercent);
  const memHeadroom = headroom(memLevel, t.serviceMemoryPercent);
  const h = minOf([cpuHeadroom, memHeadroom]);
  const summary = `CPU ${pct(cpuLevel)}, memory ${pct(memLevel)}, tasks up to ${round(maxRunning, 0)} (min ${targets.minTasks}, max ${targets.maxTasks})`;

  let finding: Finding | undefined;
  let state: TierState = 'OK';
  if (atMax && crosses(cpuLevel, t, 'scaleOutCpuPercent')) {
    state = 'SATURATED';
    finding = {
      verdict: 'APP_SATURATED_AT_MAX',
      tier: 'app',
      recommendation:
        `Raise service.maxTasks (now ${targets.maxTasks}): autoscaling wants more tasks and cannot add them. ` +
        'If the work does not spread over more tasks, give each task more CPU (service.cpu, service.memoryMiB).',
      reasons: [
        `App tier at its maximum of ${targets.maxTasks} tasks for ${minutesAtMax} with CPU at ${pct(cpuLevel)} ` +
          `(scale-out line ${t.scaleOutCpuPercent}%).`,
      ],
    };
  } else if (crosses(memLevel, t, 'serviceMemoryPercent')) {
    // Autoscaling follows CPU only, so memory pressure never adds a task: the tier cannot relieve
    // itself, which is what "saturated" means here, at max tasks or not.
    state = 'SATURATED';
    finding = {
      verdict: 'APP_SATURATED_AT_MAX',
      tier: 'app',
      recommendation:
        'Give each task more memory (service.memoryMiB, with a matching service.cpu): CPU-based autoscaling ' +
        'does not add tasks for memory. If memory grows with load per task, also lower the scale-out CPU line.',
      reasons: [
        `App tier memory at ${pct(memLevel)} (line ${t.serviceMemoryPercent}%) with ${round(maxRunning, 0)} of at most ` +
          `${targets.maxTasks} tasks: CPU autoscaling cannot relieve memory.`,
      ],
    };
  } else if (crosses(cpuLevel, t, 'serviceCpuPercent')) {
    state = 'PRESSURE';
    notes.push(
      `App CPU at ${pct(cpuLevel)} (line ${t.serviceCpuPercent}%) with room to scale (${round(maxRunning, 0)} of ${targets.maxTasks} tasks): autoscaling is on it.`,
    );
  }

  // Over-provisioned: the service sat at its minimum the whole window and would still be below the
  // scale-in line with one task fewer (per-task CPU rises by min/(min-1)). With minTasks = 1 there is
  // nothing to lower: task size cannot be judged from utilization alone.
  let overProvisioned: { recommendation: string; reasons: string[] } | undefined;
  if (!finding && targets.minTasks > 1 && maxRunning <= targets.minTasks) {
    const projected = (cpuLevel * targets.minTasks) / (targets.minTasks - 1);
    if (projected < t.scaleInCpuPercent) {
      state = 'IDLE';
      overProvisioned = {
        recommendation:
          `Lower service.minTasks (now ${targets.minTasks}): the service never left its minimum and one task fewer ` +
          `would still run below the scale-in line. Keep at least 2 in production for availability across AZs.`,
        reasons: [
          `App tier at its minimum of ${targets.minTasks} tasks the whole window with CPU at ${pct(cpuLevel)}; ` +
            `with ${targets.minTasks - 1} task(s) it would be about ${pct(projected)} (scale-in line ${t.scaleInCpuPercent}%).`,
        ],
      };
    }
  }

  return {
    assessment: { state, ...withHeadroom(h), summary } as TierAssessment,
    notes,
    okReason: state === 'OK' || state === 'IDLE' ? `App tier: ${summary}.` : undefined,
    finding,
    overProvisioned,
  };
}

// ---------------------------------------------------------------------------------------------
// Database primary
// ---------------------------------------------------------------------------------------------

function assessDatabase(r: SeriesReader, targets: AdvisorTargets) {
  const t = targets.thresholds;
  const id = targets.dbInstanceId;
  const cpu = r.required(ids.dbCpu, `CPUUtilization of ${id}`);
  const readLatency = r.required(ids.dbReadLatency, `ReadLatency of ${id}`);
  const writeLatency = r.required(ids.dbWriteLatency, `WriteLatency of ${id}`);
  const readIops = r.required(ids.dbReadIops, `ReadIOPS of ${id}`);
  const writeIops = r.required(ids.dbWriteIops, `WriteIOPS of ${id}`);
  const freeable = r.optional(ids.dbFreeableMemory, `FreeableMemory of ${id}`);
  const connections = r.optional(ids.dbConnections, `DatabaseConnections of ${id}`);
  const notes: string[] = [];

  if (!cpu.enough || !readLatency.enough || !writeLatency.enough) {
    return {
      assessment: { state: 'NO_DATA', summary: 'not enough RDS metrics for the primary' } as TierAssessment,
      notes,
      okReason: undefined,
      finding: undefined as Finding | undefined,
    };
  }
  const cpuLevel = sustained(cpu);
  const readMs = sustained(readLatency) * 1000;
  const writeMs = sustained(writeLatency) * 1000;
  const cpuHot = crosses(cpuLevel, t, 'dbCpuPercent');
  const readSlow = crosses(readMs, t, 'dbLatencyMs');
  const writeSlow = crosses(writeMs, t, 'dbLatencyMs');
  const h = minOf([headroom(cpuLevel, t.dbCpuPercent), headroom(Math.max(readMs, writeMs), t.dbLatencyMs)]);
  const iops =
    readIops.enough && writeIops.enough
      ? { read: mean(readIops.values), write: mean(writeIops.values) }
      : undefined;
  const summary =
    `CPU ${pct(cpuLevel)}, read ${round(readMs, 2)} ms, write ${round(writeMs, 2)} ms` +
    (iops ? `, IOPS ${round(iops.read, 0)} read / ${round(iops.write, 0)} write` : '') +
    (connections.enough ? `, ${round(Math.max(...connections.values), 0)} connections` : '');

  if (freeable.enough) {
    const lowMiB = Math.min(...freeable.values) / (1024 * 1024);
    if (crosses(lowMiB, t, 'dbFreeableMemoryMiB')) {
      notes.push(
        `Primary freeable memory fell to ${round(lowMiB, 0)} MiB (floor ${t.dbFreeableMemoryMiB} MiB): the working set may not fit; a larger instance class helps reads most.`,
      );
    }
  }

  if (!cpuHot && !readSlow && !writeSlow) {
    return {
      assessment: { state: 'OK', ...withHeadroom(h), summary } as TierAssessment,
      notes,
      okReason: `Database primary: ${summary}.`,
      finding: undefined as Finding | undefined,
    };
  }

  // Read- or write-bound. Latency names the side when only one side is slow. When CPU (or both
  // latencies) breach, the IOPS split decides; a tie goes to reads, because caching is the cheaper
  // lever to try first. IOPS undercount cached reads, so the reason shows the numbers.
  let side: 'read' | 'write';
  let why: string;
  if (readSlow && !writeSlow) {
    side = 'read';
    why = `read latency ${round(readMs, 2)} ms is over ${t.dbLatencyMs} ms, write latency is not`;
  } else if (writeSlow && !readSlow) {
    side = 'write';
    why = `write latency ${round(writeMs, 2)} ms is over ${t.dbLatencyMs} ms, read latency is not`;
  } else if (iops) {
    side = iops.write > iops.read ? 'write' : 'read';
    why = `${cpuHot ? `CPU ${pct(cpuLevel)} (line ${t.dbCpuPercent}%)` : 'both latencies over the line'} with ${round(iops.read, 0)} read vs ${round(iops.write, 0)} write IOPS`;
  } else {
    side = 'read';
    why = `CPU ${pct(cpuLevel)} (line ${t.dbCpuPercent}%); IOPS missing, so reads are assumed (the cheaper lever first)`;
  }
  const finding: Finding =
    side === 'read'
      ? {
          verdict: 'DB_READ_BOUND',
          tier: 'database',
          // The Performance Insights console redirects to CloudWatch Database Insights since 2026-07-31; the API
          // remains (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PerfInsights.Enabling.html).
          recommendation:
            'Cache the expensive reads in Redis first; then add read replicas (database.readReplicas, now ' +
            `${targets.replicaInstanceIds.length}) and send read-only queries to the reader endpoint. ` +
            'CloudWatch Database Insights (top SQL) shows which queries to start with.',
          reasons: [`Database primary is read-bound: ${why}.`],
        }
      : {
          verdict: 'DB_WRITE_BOUND',
          tier: 'database',
          recommendation:
            'Optimize the slow writes first (CloudWatch Database Insights top SQL: missing indexes, row-by-row writes, ' +
            'hot rows); then move to a larger primary (database.instanceClass). Replicas and caches do not help writes.',
          reasons: [`Database primary is write-bound: ${why}.`],
        };
  return {
    assessment: { state: 'PRESSURE', ...withHeadroom(h), summary } as TierAssessment,
    notes,
    okReason: undefined,
    finding,
  };
}

// ---------------------------------------------------------------------------------------------
// RDS Proxy
// ---------------------------------------------------------------------------------------------

function assessProxy(r: SeriesReader, targets: AdvisorTargets) {
  const t = targets.thresholds;
  const name = targets.proxyName;
  // RDS Proxy publishes nothing until its first client connection, so a proxy no app talks to yet has
  // no data. That is expected, not a gap: these series are optional.
  const why = 'RDS Proxy publishes metrics only after its first client connection';
  const dbConnections = r.optional(ids.proxyDbConnections, `DatabaseConnections of proxy ${name}`, why);
  const maxConnections = r.optional(
    ids.proxyMaxConnections,
    `MaxDatabaseConnectionsAllowed of proxy ${name}`,
  );
  const clients = r.optional(ids.proxyClientConnections, `ClientConnections of proxy ${name}`);
  const queryLatency = r.optional(ids.proxyQueryLatency, `QueryResponseLatency of proxy ${name}`);
  const borrowLatency = r.optional(
    ids.proxyBorrowLatency,
    `DatabaseConnectionsBorrowLatency of proxy ${name}`,
  );
  const notes: string[] = [];

  if (!dbConnections.enough || !maxConnections.enough) {
    return {
      assessment: {
        state: 'NO_DATA',
        summary: 'no connection metrics (no client connected yet?)',
      } as TierAssessment,
      notes,
      okReason: undefined,
      finding: undefined as Finding | undefined,
    };
  }
  const usage = combine(dbConnections, maxConnections, (c, m) => (m > 0 ? (100 * c) / m : undefined));
  const usageLevel = sustainedLevel(usage);
  const h = Number.isFinite(usageLevel) ? headroom(usageLevel, t.dbConnectionsPercent) : undefined;
  const queryMs = queryLatency.enough ? sustained(queryLatency) / 1000 : undefined;
  const borrowMs = borrowLatency.enough ? sustained(borrowLatency) / 1000 : undefined;
  const summary =
    `pool ${Number.isFinite(usageLevel) ? pct(usageLevel) : 'n/a'} of its limit` +
    (clients.enough ? `, ${round(Math.max(...clients.values), 0)} client connections` : '') +
    (queryMs !== undefined ? `, query latency ${round(queryMs, 2)} ms` : '') +
    (borrowMs !== undefined ? `, borrow latency ${round(borrowMs, 2)} ms` : '');
  if (queryMs !== undefined && crosses(queryMs, t, 'dbLatencyMs')) {
    notes.push(`Proxy query response latency ${round(queryMs, 2)} ms is over ${t.dbLatencyMs} ms.`);
  }

  if (Number.isFinite(usageLevel) && crosses(usageLevel, t, 'dbConnectionsPercent')) {
    return {
      assessment: { state: 'PRESSURE', ...withHeadroom(h), summary } as TierAssessment,
      notes,
      okReason: undefined,
      finding: {
        verdict: 'DB_CONNECTION_EXHAUSTION',
        tier: 'proxy',
        recommendation:
          'Tune RDS Proxy: raise database.proxy.maxConnectionsPercent if the primary has CPU to spare, keep ' +
          'transactions short and avoid session pinning (SET, temp tables, advisory locks) so connections ' +
          'return to the pool; check the app pool size per task. A larger primary raises max_connections.',
        reasons: [
          `RDS Proxy used ${pct(usageLevel)} of its database connection limit (line ${t.dbConnectionsPercent}%)` +
            (borrowMs !== undefined ? `; clients waited ${round(borrowMs, 2)} ms to borrow one` : '') +
            '.',
        ],
      } as Finding,
    };
  }
  return {
    assessment: { state: 'OK', ...withHeadroom(h), summary } as TierAssessment,
    notes,
    okReason: `RDS Proxy: ${summary}.`,
    finding: undefined as Finding | undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Cache
// ---------------------------------------------------------------------------------------------

function assessCache(r: SeriesReader, targets: AdvisorTargets) {
  const t = targets.thresholds;
  if (targets.cacheClusterIds.length === 0) {
    return {
      assessment: { state: 'NOT_DEPLOYED', summary: 'no cache nodes' } as TierAssessment,
      okReason: undefined,
      pressureFinding: undefined as Finding | undefined,
      hitRateFinding: undefined as Finding | undefined,
      notes: [] as string[],
    };
  }
  const pressure: string[] = [];
  const headrooms: number[] = [];
  let hits = 0;
  let misses = 0;
  let nodesWithData = 0;
  let nodesMissing = 0;
  let maxCpu = 0;
  let maxMem = 0;

  targets.cacheClusterIds.forEach((node, i) => {
    const cpu = r.required(ids.cacheCpu(i), `EngineCPUUtilization of cache node ${node}`);
    const mem = r.required(ids.cacheMemory(i), `DatabaseMemoryUsagePercentage of cache node ${node}`);
    const evictions = r.optional(ids.cacheEvictions(i), `Evictions of cache node ${node}`);
    const hitSeries = r.optional(ids.cacheHits(i), `CacheHits of cache node ${node}`);
    const missSeries = r.optional(ids.cacheMisses(i), `CacheMisses of cache node ${node}`);
    // ReplicationLag comes from replica nodes only: its absence on the primary node is normal.
    const lag = r.optional(ids.cacheReplicationLag(i), `ReplicationLag of cache node ${node}`);
    hits += sum(hitSeries.values);
    misses += sum(missSeries.values);
    if (!cpu.enough || !mem.enough) {
      nodesMissing++;
      return;
    }
    nodesWithData++;
    const cpuLevel = sustained(cpu);
    const memLevel = sustained(mem);
    maxCpu = Math.max(maxCpu, cpuLevel);
    maxMem = Math.max(maxMem, memLevel);
    headrooms.push(headroom(cpuLevel, t.cacheCpuPercent), headroom(memLevel, t.cacheMemoryPercent));
    if (crosses(cpuLevel, t, 'cacheCpuPercent'))
      pressure.push(`${node} engine CPU ${pct(cpuLevel)} (line ${t.cacheCpuPercent}%)`);
    if (crosses(memLevel, t, 'cacheMemoryPercent'))
      pressure.push(`${node} memory ${pct(memLevel)} (line ${t.cacheMemoryPercent}%)`);
    if (
      evictions.enough &&
      crosses(sustained(evictions), t, 'cacheEvictionsPerMinute') &&
      sustained(evictions) > 0
    ) {
      pressure.push(
        `${node} ${round(sustained(evictions), 0)} evictions/min (line ${t.cacheEvictionsPerMinute})`,
      );
    }
    if (lag.enough && crosses(sustained(lag), t, 'cacheReplicationLagSeconds')) {
      pressure.push(
        `${node} replication lag ${round(sustained(lag), 1)} s (line ${t.cacheReplicationLagSeconds} s)`,
      );
    }
  });

  const lookups = hits + misses;
  const minLookups = minCacheLookups(targets);
  const hitRate = lookups >= minLookups ? (100 * hits) / lookups : undefined;
  if (lookups < minLookups) {
    r.note(
      `Cache hit rate not judged: ${lookups} lookups in the window (needs ${minLookups}: ` +
        `${t.cacheHitRateMinLookupsPerMinute}/min, as the CacheHitRate alarm).`,
    );
  }
  const summary =
    (nodesWithData > 0 ? `engine CPU up to ${pct(maxCpu)}, memory up to ${pct(maxMem)}` : 'no node data') +
    (hitRate !== undefined ? `, hit rate ${pct(hitRate)}` : '') +
    `, ${targets.cacheClusterIds.length} node(s)` +
    (nodesMissing > 0 ? `, ${nodesMissing} without data` : '');
  // A node without data may be the one without headroom: no tier headroom rather than a flattering one.
  const h = nodesMissing > 0 ? undefined : minOf(headrooms);

  const pressureFinding: Finding | undefined =
    pressure.length > 0
      ? {
          verdict: 'CACHE_PRESSURE',
          tier: 'cache',
          recommendation:
            'Give the cache more room: larger nodes (cache.nodeType) for memory and CPU, or, in cluster mode, ' +
            'more shards (cache.shards) to spread keys and writes. Check TTLs so dead keys do not fill memory.',
          reasons: [`Cache under pressure: ${pressure.join('; ')}.`],
        }
      : undefined;
  const hitRateFinding: Finding | undefined =
    hitRate !== undefined && crosses(hitRate, t, 'cacheHitRatePercent')
      ? {
          verdict: 'CACHE_LOW_HIT_RATE',
          tier: 'cache',
          recommendation:
            'Cache more: put the hot reads behind the cache, lengthen TTLs that expire too early, warm it after ' +
            'deploys, and make sure keys are not unique per request. A bigger cache does not help a low hit rate ' +
            'unless evictions are high.',
          reasons: [
            `Cache hit rate ${pct(hitRate)} over ${lookups} lookups is below the ${t.cacheHitRatePercent}% floor.`,
          ],
        }
      : undefined;

  const state: TierState = pressureFinding
    ? 'PRESSURE'
    : nodesMissing > 0
      ? 'NO_DATA'
      : hitRateFinding
        ? 'PRESSURE'
        : 'OK';
  return {
    assessment: { state, ...withHeadroom(h), summary } as TierAssessment,
    okReason: state === 'OK' ? `Cache: ${summary}.` : undefined,
    pressureFinding,
    hitRateFinding,
    notes: [] as string[],
  };
}

// ---------------------------------------------------------------------------------------------
// Read replicas
// ---------------------------------------------------------------------------------------------

function assessReplicas(r: SeriesReader, targets: AdvisorTargets) {
  const t = targets.thresholds;
  const notes: string[] = [];
  if (targets.replicaInstanceIds.length === 0) {
    return {
      assessment: { state: 'NOT_DEPLOYED', summary: 'no read replicas' } as TierAssessment,
      notes,
      okReason: undefined,
      lagFinding: undefined as Finding | undefined,
      readFinding: undefined as Finding | undefined,
    };
  }
  const lagging: string[] = [];
  const hot: string[] = [];
  const noData: string[] = [];
  const parts: string[] = [];
  const headrooms: number[] = [];
  targets.replicaInstanceIds.forEach((id, i) => {
    const lag = r.required(ids.replicaLag(i), `ReplicaLag of replica ${id}`);
    const cpu = r.required(ids.replicaCpu(i), `CPUUtilization of replica ${id}`);
    if (!lag.enough || !cpu.enough) {
      noData.push(id);
      parts.push(`${id}: no data`);
      return;
    }
    const negative = lag.values.filter((v) => v < 0).length;
    if (negative > 0) {
      notes.push(
        `Replica ${id} reported a negative ReplicaLag in ${negative} minute(s): replication was not running then.`,
      );
    }
    const lagLevel = sustainedLevel(lag.values.filter((v) => v >= 0));
    const cpuLevel = sustained(cpu);
    parts.push(
      `${id}: lag ${Number.isFinite(lagLevel) ? `${round(lagLevel, 1)} s` : 'n/a'}, CPU ${pct(cpuLevel)}`,
    );
    headrooms.push(headroom(lagLevel, t.replicaLagSeconds), headroom(cpuLevel, t.dbCpuPercent));
    if (crosses(lagLevel, t, 'replicaLagSeconds')) lagging.push(`${id} ${round(lagLevel, 1)} s`);
    if (crosses(cpuLevel, t, 'dbCpuPercent')) hot.push(`${id} CPU ${pct(cpuLevel)}`);
  });
  if (noData.length > 0) {
    notes.push(
      `No data for replica(s) ${noData.join(', ')}: a replica being created, deleted or broken; check it in the RDS console.`,
    );
  }
  const summary = parts.join('; ');
  // A replica without data may be the one without headroom: no tier headroom rather than a flattering one.
  const h = noData.length > 0 ? undefined : minOf(headrooms);
  const lagFinding: Finding | undefined =
    lagging.length > 0
      ? {
          verdict: 'REPLICA_LAG',
          tier: 'replicas',
          recommendation:
            'Reads from the replicas may be stale. Send read-your-own-writes traffic to the writer (proxy) ' +
            'endpoint; look for long-running queries on the replicas and write bursts on the primary; give the ' +
            'replicas the primary’s size (database.replicaInstanceClass).',
          reasons: [`Replica lag over ${t.replicaLagSeconds} s: ${lagging.join(', ')}.`],
        }
      : undefined;
  const readFinding: Finding | undefined =
    hot.length > 0
      ? {
          verdict: 'DB_READ_BOUND',
          tier: 'replicas',
          recommendation:
            'The replicas are saturated by reads: cache the expensive reads in Redis first; then add replicas ' +
            `(database.readReplicas, now ${targets.replicaInstanceIds.length}) or larger replica instances ` +
            '(database.replicaInstanceClass).',
          reasons: [`Read replicas over the ${t.dbCpuPercent}% CPU line: ${hot.join(', ')}.`],
        }
      : undefined;
  const state: TierState = lagFinding || readFinding ? 'PRESSURE' : noData.length > 0 ? 'NO_DATA' : 'OK';
  return {
    assessment: { state, ...withHeadroom(h), summary } as TierAssessment,
    notes,
    okReason: state === 'OK' ? `Replicas: ${summary}.` : undefined,
    lagFinding,
    readFinding,
  };
}
