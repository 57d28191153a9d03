import { analyze, Tier, Verdict, VERDICT_CODES, VERDICTS } from '../../../../lambda/scaling-advisor/analysis';
import { ids } from '../../../../lambda/scaling-advisor/queries';
import { AdvisorTargets } from '../../../../lambda/scaling-advisor/targets';
import { Fixture, flat, healthyFixture, makeTargets, set } from '../fixtures';

interface Case {
  readonly name: string;
  readonly targets?: Partial<AdvisorTargets>;
  /** Bends the healthy hour into the situation under test. */
  readonly given: (f: Fixture, t: AdvisorTargets) => void;
  readonly verdict: Verdict;
  readonly tier?: Tier;
  /** Evidence the first reason must contain. */
  readonly reason: RegExp;
  readonly recommendation: RegExp;
}

// One row per situation; every verdict appears at least once (checked below).
const cases: Case[] = [
  {
    name: 'a healthy hour',
    given: () => undefined,
    verdict: 'HEALTHY',
    reason: /App tier: CPU 45%/,
    recommendation: /no scaling needed/,
  },
  {
    name: 'the service at max tasks with CPU over the scale-out line',
    given: (f) => {
      set(f, ids.appTasks, flat(10));
      set(f, ids.appCpu, flat(78));
    },
    verdict: 'APP_SATURATED_AT_MAX',
    tier: 'app',
    reason: /maximum of 10 tasks for 60 of 60 minutes with CPU at 78%/,
    recommendation: /Raise service\.maxTasks \(now 10\)/,
  },
  {
    // The scale-out alarm fires at or above the line (>=), so the advisor must agree exactly on it.
    name: 'the service at max tasks with CPU exactly on the scale-out line',
    given: (f) => {
      set(f, ids.appTasks, flat(10));
      set(f, ids.appCpu, flat(70));
    },
    verdict: 'APP_SATURATED_AT_MAX',
    tier: 'app',
    reason: /maximum of 10 tasks for 60 of 60 minutes with CPU at 70% \(scale-out line 70%\)/,
    recommendation: /Raise service\.maxTasks \(now 10\)/,
  },
  {
    name: 'the service at max tasks with CPU just below the scale-out line (autoscaling wants no more tasks)',
    given: (f) => {
      set(f, ids.appTasks, flat(10));
      set(f, ids.appCpu, flat(69.9));
    },
    verdict: 'HEALTHY',
    reason: /App tier: CPU 69\.9%/,
    recommendation: /no scaling needed/,
  },
  {
    name: 'memory over the line below max tasks (CPU autoscaling cannot relieve it)',
    given: (f) => set(f, ids.appMemory, flat(91)),
    verdict: 'APP_SATURATED_AT_MAX',
    tier: 'app',
    reason: /memory at 91%/,
    recommendation: /service\.memoryMiB/,
  },
  {
    name: 'primary CPU-bound with mostly read IOPS',
    given: (f) => {
      set(f, ids.dbCpu, flat(92));
      set(f, ids.dbReadIops, flat(3000));
      set(f, ids.dbWriteIops, flat(200));
    },
    verdict: 'DB_READ_BOUND',
    tier: 'database',
    reason: /read-bound: CPU 92% \(line 80%\) with 3000 read vs 200 write IOPS/,
    recommendation: /^Cache the expensive reads.*then add read replicas/,
  },
  {
    name: 'only read latency over the line',
    given: (f) => set(f, ids.dbReadLatency, flat(0.045)),
    verdict: 'DB_READ_BOUND',
    tier: 'database',
    reason: /read latency 45 ms is over 20 ms, write latency is not/,
    recommendation: /Cache the expensive reads/,
  },
  {
    name: 'replicas saturated by reads while the primary is fine',
    given: (f) => {
      set(f, ids.replicaCpu(0), flat(88));
      set(f, ids.replicaCpu(1), flat(90));
    },
    verdict: 'DB_READ_BOUND',
    tier: 'replicas',
    reason: /sb-prod-replica-1 CPU 88%, sb-prod-replica-2 CPU 90%/,
    recommendation: /add replicas \(database\.readReplicas, now 2\)/,
  },
  {
    name: 'only write latency over the line',
    given: (f) => set(f, ids.dbWriteLatency, flat(0.06)),
    verdict: 'DB_WRITE_BOUND',
    tier: 'database',
    reason: /write latency 60 ms is over 20 ms/,
    recommendation: /^Optimize the slow writes.*larger primary/,
  },
  {
    name: 'primary CPU-bound with mostly write IOPS',
    given: (f) => {
      set(f, ids.dbCpu, flat(85));
      set(f, ids.dbWriteIops, flat(2500));
    },
    verdict: 'DB_WRITE_BOUND',
    tier: 'database',
    reason: /100 read vs 2500 write IOPS/,
    recommendation: /database\.instanceClass/,
  },
  {
    name: 'the proxy pool near its connection limit',
    given: (f) => set(f, ids.proxyDbConnections, flat(360)),
    verdict: 'DB_CONNECTION_EXHAUSTION',
    tier: 'proxy',
    reason: /used 90% of its database connection limit \(line 80%\); clients waited 0\.1 ms/,
    recommendation: /maxConnectionsPercent/,
  },
  {
    name: 'a cache node out of memory',
    given: (f) => set(f, ids.cacheMemory(0), flat(93)),
    verdict: 'CACHE_PRESSURE',
    tier: 'cache',
    reason: /sb-prod-cache-001 memory 93% \(line 80%\)/,
    recommendation: /cache\.nodeType.*cache\.shards/,
  },
  {
    name: 'sustained evictions and replication lag on the replica node',
    given: (f) => {
      set(f, ids.cacheEvictions(1), flat(400));
      set(f, ids.cacheReplicationLag(1), flat(12));
    },
    verdict: 'CACHE_PRESSURE',
    tier: 'cache',
    reason: /sb-prod-cache-002 400 evictions\/min \(line 100\); sb-prod-cache-002 replication lag 12 s/,
    recommendation: /larger nodes/,
  },
  {
    name: 'a hit rate under the floor with a roomy cache',
    given: (f, t) =>
      t.cacheClusterIds.forEach((_, i) => {
        set(f, ids.cacheHits(i), flat(300));
        set(f, ids.cacheMisses(i), flat(700));
      }),
    verdict: 'CACHE_LOW_HIT_RATE',
    tier: 'cache',
    reason: /hit rate 30% over 120000 lookups is below the 80% floor/,
    recommendation: /^Cache more/,
  },
  {
    name: 'one replica lagging',
    given: (f) => set(f, ids.replicaLag(1), flat(75)),
    verdict: 'REPLICA_LAG',
    tier: 'replicas',
    reason: /Replica lag over 30 s: sb-prod-replica-2 75 s/,
    recommendation: /may be stale/,
  },
  {
    name: 'the service idle at its minimum of 3 tasks',
    targets: { minTasks: 3 },
    given: (f) => set(f, ids.appCpu, flat(12)),
    verdict: 'OVER_PROVISIONED',
    tier: 'app',
    reason: /minimum of 3 tasks the whole window with CPU at 12%; with 2 task\(s\) it would be about 18%/,
    recommendation: /Lower service\.minTasks \(now 3\)/,
  },
  {
    name: 'no metrics at all (a stack deployed minutes ago)',
    given: (f) => {
      for (const key of Object.keys(f)) delete f[key];
    },
    verdict: 'INSUFFICIENT_DATA',
    reason:
      /^No data: HealthyHostCount\/UnHealthyHostCount of targetgroup\/Scala-Servi-DEF\/fedcba9876543210 \(0 of 60 datapoints\)$/,
    recommendation: /^Not enough data to name a bottleneck, so none is named/,
  },
];

describe('analysis: one verdict per situation', () => {
  test.each(cases)('GIVEN $name THEN the verdict is $verdict', (c) => {
    // GIVEN the healthy hour bent into the situation
    const targets = makeTargets(c.targets);
    const fixture = healthyFixture(targets);
    c.given(fixture, targets);

    // WHEN the advisor judges it
    const result = analyze(fixture, targets);

    // THEN it names the verdict, the tier and the evidence, and recommends the matching lever
    expect(result.verdict).toBe(c.verdict);
    expect(result.verdictCode).toBe(VERDICT_CODES[c.verdict]);
    expect(result.bottleneckTier).toBe(c.tier);
    expect(result.reasons[0]).toMatch(c.reason);
    expect(result.recommendation).toMatch(c.recommendation);
  });

  test('the table covers every verdict', () => {
    expect(new Set(cases.map((c) => c.verdict))).toEqual(new Set(VERDICTS));
  });
});

describe('analysis: precedence, least complexity first', () => {
  test('GIVEN the app at max, a read-bound primary and cache pressure THEN the app tier wins and the rest are listed', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    set(f, ids.appTasks, flat(10));
    set(f, ids.appCpu, flat(80));
    set(f, ids.dbCpu, flat(90));
    set(f, ids.cacheCpu(0), flat(95));

    const result = analyze(f, t);

    expect(result.verdict).toBe('APP_SATURATED_AT_MAX');
    expect(result.reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Also DB_READ_BOUND: /),
        expect.stringMatching(/^Also CACHE_PRESSURE: /),
      ]),
    );
    expect(result.tiers.database.state).toBe('PRESSURE');
    expect(result.tiers.cache.state).toBe('PRESSURE');
  });

  test('GIVEN connection exhaustion and a low hit rate THEN connection exhaustion comes first', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    set(f, ids.proxyDbConnections, flat(390));
    t.cacheClusterIds.forEach((_, i) => set(f, ids.cacheMisses(i), flat(900)));

    const result = analyze(f, t);

    expect(result.verdict).toBe('DB_CONNECTION_EXHAUSTION');
    expect(result.reasons.join('\n')).toMatch(/Also CACHE_LOW_HIT_RATE/);
  });

  test('GIVEN a write-bound primary and read-saturated replicas THEN writes come first and the replicas are listed', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    set(f, ids.dbWriteLatency, flat(0.05));
    set(f, ids.replicaCpu(0), flat(95));

    const result = analyze(f, t);

    expect(result.verdict).toBe('DB_WRITE_BOUND');
    expect(result.reasons.join('\n')).toMatch(
      /Also DB_READ_BOUND: Read replicas over the 80% CPU line: sb-prod-replica-1 CPU 95%/,
    );
  });

  test('GIVEN app CPU over the alarm line with room to scale THEN HEALTHY says autoscaling is on it', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    set(f, ids.appCpu, flat(88));
    set(f, ids.appTasks, flat(6));

    const result = analyze(f, t);

    expect(result.verdict).toBe('HEALTHY');
    expect(result.tiers.app.state).toBe('PRESSURE');
    expect(result.recommendation).toMatch(/autoscaling still has room/);
    expect(result.reasons.join('\n')).toMatch(
      /App CPU at 88% \(line 85%\) with room to scale \(6 of 10 tasks\)/,
    );
  });

  test('GIVEN cache pressure and a low hit rate THEN pressure comes first (evictions cause misses)', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    set(f, ids.cacheEvictions(0), flat(1000));
    t.cacheClusterIds.forEach((_, i) => set(f, ids.cacheMisses(i), flat(900)));

    expect(analyze(f, t).verdict).toBe('CACHE_PRESSURE');
  });
});
