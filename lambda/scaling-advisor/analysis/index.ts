import type { AdvisorTargets } from '../targets';
import { assessApp } from './app';
import { assessCache } from './cache';
import { assessDatabase } from './database';
import { assessProxy } from './proxy';
import { assessReplicas } from './replicas';
import { SeriesReader, SeriesById } from './series';
import { assessTraffic } from './traffic';
import { Analysis, Finding, Tier, Verdict, VERDICT_CODES } from './verdicts';

/**
 * The scaling advisor's judgement: pure functions from metric series to a verdict. No SDK, no clock,
 * no I/O, so every rule is tested with fixtures.
 *
 * Layout: one file per tier's assessment (`traffic.ts`, `app.ts`, `database.ts`, `proxy.ts`,
 * `cache.ts`, `replicas.ts`), the shared series reader (`series.ts`), the verdicts and the report
 * types (`verdicts.ts`); this file orders the tiers' findings into one verdict.
 *
 * How a signal is judged
 * - Coverage: a series counts only when it has at least MIN_COVERAGE of the window's one-minute
 *   datapoints (and at least MIN_DATAPOINTS). Fewer means "no data" for it, never "zero".
 *   Exception: ALB counts (requests, 5xx) are published only for minutes when they are non-zero, so a
 *   missing minute is zero requests, provided the ALB's host counts (published every minute) are there.
 * - Sustained level: the level the signal held or exceeded for at least a quarter of the window's
 *   datapoints (15 of 60 minutes: the ceil(n / 4)-th largest value); "at max tasks" counts the same
 *   15 minutes. A spike does not trip a rule; a sustained breach does.
 * - Lines: a level crosses a line the way the alarm on that line compares (`../lines.ts`): at exactly a
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

export { minCacheLookups } from './cache';
export { MIN_COVERAGE, MIN_DATAPOINTS, SUSTAINED_SHARE, sustainedCount, sustainedLevel } from './series';
export type { DataQuality, MetricSeries, SeriesById } from './series';
export type { Traffic } from './traffic';
export { previousVerdict, TIERS, VERDICT_CODES, verdictFromCode, VERDICTS } from './verdicts';
export type { AdvisorReport, Analysis, Tier, TierAssessment, TierState, Verdict } from './verdicts';

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
