import { crosses } from '../lines';
import { ids } from '../queries';
import type { AdvisorTargets } from '../targets';
import { headroom, minOf, pct, round, SeriesReader, sum, sustained, withHeadroom } from './series';
import type { Finding, TierAssessment, TierState } from './verdicts';

/** The cache: engine CPU, memory, evictions and replication lag per node, and the hit rate. */

/**
 * Cache lookups a window needs before its hit rate is judged: the `CacheHitRate` alarm's floor
 * (`observability.cacheHitRateMinLookupsPerMinute`) over the window's minutes, and at least one lookup.
 */
export function minCacheLookups(targets: AdvisorTargets): number {
  return Math.max(1, targets.thresholds.cacheHitRateMinLookupsPerMinute * targets.windowMinutes);
}

export function assessCache(r: SeriesReader, targets: AdvisorTargets) {
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
