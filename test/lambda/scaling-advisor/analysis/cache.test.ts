import { analyze } from '../../../../lambda/scaling-advisor/analysis';
import { ids } from '../../../../lambda/scaling-advisor/queries';
import { AdvisorTargets } from '../../../../lambda/scaling-advisor/targets';
import { Fixture, flat, healthyFixture, makeTargets, set } from '../fixtures';

describe('analysis: the hit-rate floor follows the CacheHitRate alarm', () => {
  // 2 nodes, 30% hits, 40 lookups per minute over the window in all.
  const lowHitRateAt40PerMinute = (f: Fixture, t: AdvisorTargets) =>
    t.cacheClusterIds.forEach((_, i) => {
      set(f, ids.cacheHits(i), flat(6));
      set(f, ids.cacheMisses(i), flat(14));
    });

  test('GIVEN fewer lookups per minute than cacheHitRateMinLookupsPerMinute THEN the hit rate is not judged', () => {
    const t = makeTargets({
      thresholds: { ...makeTargets().thresholds, cacheHitRateMinLookupsPerMinute: 50 },
    });
    const f = healthyFixture(t);
    lowHitRateAt40PerMinute(f, t);

    const result = analyze(f, t);

    expect(result.verdict).toBe('HEALTHY');
    expect(result.dataQuality.notes.join('\n')).toMatch(
      /Cache hit rate not judged: 2400 lookups in the window \(needs 3000: 50\/min, as the CacheHitRate alarm\)/,
    );
  });

  test('GIVEN the same traffic and a lower floor THEN the low hit rate is the verdict', () => {
    const t = makeTargets({
      thresholds: { ...makeTargets().thresholds, cacheHitRateMinLookupsPerMinute: 20 },
    });
    const f = healthyFixture(t);
    lowHitRateAt40PerMinute(f, t);

    const result = analyze(f, t);

    expect(result.verdict).toBe('CACHE_LOW_HIT_RATE');
    expect(result.reasons[0]).toMatch(/hit rate 30% over 2400 lookups is below the 80% floor/);
  });

  test('GIVEN a floor of 0 THEN one lookup is enough, as for the alarm', () => {
    const t = makeTargets({
      thresholds: { ...makeTargets().thresholds, cacheHitRateMinLookupsPerMinute: 0 },
    });
    const f = healthyFixture(t);
    t.cacheClusterIds.forEach((_, i) => {
      set(f, ids.cacheHits(i), [0, ...flat(0, 59)]);
      set(f, ids.cacheMisses(i), [1, ...flat(0, 59)]);
    });

    expect(analyze(f, t).verdict).toBe('CACHE_LOW_HIT_RATE');
  });
});
