import {
  analyze,
  previousVerdict,
  Tier,
  Verdict,
  VERDICT_CODES,
  VERDICTS,
  verdictFromCode,
} from '../../../lambda/scaling-advisor/analysis';
import { ids } from '../../../lambda/scaling-advisor/queries';
import { AdvisorTargets } from '../../../lambda/scaling-advisor/targets';
import { Fixture, flat, healthyFixture, makeTargets, set, spike } from './fixtures';

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

describe('analysis: sustained levels, not spikes', () => {
  test('GIVEN primary CPU at 95% for 10 of 60 minutes THEN it is not a bottleneck', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    set(f, ids.dbCpu, spike(95, 30, 10));
    expect(analyze(f, t).verdict).toBe('HEALTHY');
  });

  test('GIVEN primary CPU at 95% for 20 of 60 minutes THEN it is (a quarter of the window is sustained)', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    set(f, ids.dbCpu, spike(95, 30, 20));
    expect(analyze(f, t).verdict).toBe('DB_READ_BOUND');
  });

  test('GIVEN the service at max for 10 of 60 minutes THEN autoscaling is not exhausted', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    set(f, ids.appTasks, spike(10, 6, 10));
    set(f, ids.appCpu, flat(75));
    expect(analyze(f, t).verdict).not.toBe('APP_SATURATED_AT_MAX');
  });
});

describe('analysis: edge cases', () => {
  test('GIVEN gaps leaving 20 of 60 CPU datapoints THEN INSUFFICIENT_DATA names the series and the count', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    set(
      f,
      ids.appCpu,
      flat(45).map((v, i) => (i % 3 === 0 ? v : null)),
    );

    const result = analyze(f, t);

    expect(result.verdict).toBe('INSUFFICIENT_DATA');
    expect(result.dataQuality.complete).toBe(false);
    expect(result.dataQuality.missing).toEqual([
      'CPUUtilization of service ScalableBackend-prod-Service (20 of 60 datapoints)',
    ]);
    expect(result.tiers.app).toEqual({ state: 'NO_DATA', summary: 'not enough ECS metrics' });
  });

  test('GIVEN gaps leaving 40 of 60 datapoints in every series THEN the advisor still judges', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    for (const [id, s] of Object.entries(f)) {
      set(
        f,
        id,
        s.values.map((v, i) => (i % 3 === 2 ? null : v)),
      );
    }
    const result = analyze(f, t);
    expect(result.verdict).toBe('HEALTHY');
    expect(result.dataQuality.complete).toBe(true);
  });

  test('GIVEN zero traffic and minTasks 1 THEN HEALTHY (not over-provisioned: nothing to lower)', () => {
    const t = makeTargets({ minTasks: 1 });
    const f = healthyFixture(t);
    // The ALB publishes no RequestCount, latency or 5xx datapoints for minutes without requests.
    delete f[ids.requests];
    delete f[ids.p95ResponseTime];
    delete f[ids.target5xx];
    delete f[ids.elb5xx];
    set(f, ids.appTasks, flat(1));
    set(f, ids.appCpu, flat(2));

    const result = analyze(f, t);

    expect(result.verdict).toBe('HEALTHY');
    expect(result.traffic).toEqual({ requests: 0, requestsPerMinute: 0 });
    expect(result.recommendation).toMatch(/No requests in the last 60 minutes/);
    expect(result.dataQuality.complete).toBe(true);
  });

  test('GIVEN zero traffic while holding 2 tasks THEN OVER_PROVISIONED', () => {
    const t = makeTargets({ minTasks: 2 });
    const f = healthyFixture(t);
    delete f[ids.requests];
    delete f[ids.p95ResponseTime];
    set(f, ids.appTasks, flat(2));
    set(f, ids.appCpu, flat(1));

    const result = analyze(f, t);

    expect(result.verdict).toBe('OVER_PROVISIONED');
    expect(result.tiers.app.state).toBe('IDLE');
  });

  test('GIVEN one replica without data THEN no crash, INSUFFICIENT_DATA naming it, the other replica judged', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    delete f[ids.replicaLag(1)];
    delete f[ids.replicaCpu(1)];

    const result = analyze(f, t);

    expect(result.verdict).toBe('INSUFFICIENT_DATA');
    expect(result.dataQuality.missing).toEqual([
      'ReplicaLag of replica sb-prod-replica-2 (0 of 60 datapoints)',
      'CPUUtilization of replica sb-prod-replica-2 (0 of 60 datapoints)',
    ]);
    expect(result.tiers.replicas.state).toBe('NO_DATA');
    // the missing replica may be the one without headroom, so the tier reports none
    expect(result.tiers.replicas.headroomPercent).toBeUndefined();
    expect(result.tiers.replicas.summary).toBe(
      'sb-prod-replica-1: lag 0.5 s, CPU 20%; sb-prod-replica-2: no data',
    );
    expect(result.reasons.join('\n')).toMatch(/No data for replica\(s\) sb-prod-replica-2/);
  });

  test('GIVEN one replica without data and a write-bound primary THEN the measured finding wins and the gap is named', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    delete f[ids.replicaLag(0)];
    set(f, ids.dbWriteLatency, flat(0.05));

    const result = analyze(f, t);

    expect(result.verdict).toBe('DB_WRITE_BOUND');
    expect(result.reasons.join('\n')).toMatch(
      /Not evaluated for lack of data: ReplicaLag of replica sb-prod-replica-1/,
    );
  });

  test('GIVEN a proxy no client has connected to yet THEN it is noted, not counted as missing', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    for (const id of [
      ids.proxyClientConnections,
      ids.proxyDbConnections,
      ids.proxyBorrowedConnections,
      ids.proxyMaxConnections,
      ids.proxyQueryLatency,
      ids.proxyBorrowLatency,
    ]) {
      delete f[id];
    }
    const result = analyze(f, t);
    expect(result.verdict).toBe('HEALTHY');
    expect(result.tiers.proxy.state).toBe('NO_DATA');
    expect(result.dataQuality.notes.join('\n')).toMatch(/only after its first client connection/);
  });

  test('GIVEN a stack without replicas THEN the replica tier is NOT_DEPLOYED and has no headroom', () => {
    const t = makeTargets({ replicaInstanceIds: [] });
    const result = analyze(healthyFixture(t), t);
    expect(result.verdict).toBe('HEALTHY');
    expect(result.tiers.replicas).toEqual({ state: 'NOT_DEPLOYED', summary: 'no read replicas' });
  });

  test('GIVEN a 5% 5xx rate and slow p95 but no saturated tier THEN HEALTHY says scaling will not help', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    set(f, ids.target5xx, flat(50));
    set(f, ids.p95ResponseTime, flat(2.5));

    const result = analyze(f, t);

    expect(result.verdict).toBe('HEALTHY');
    expect(result.traffic.errorRatePercent).toBe(5);
    expect(result.recommendation).toMatch(/adding capacity will not fix them/);
    expect(result.reasons).toEqual(
      expect.arrayContaining([
        'Symptom: 5xx rate 5% is above 1%.',
        'Symptom: p95 response time 2.5 s is above the 1 s target.',
      ]),
    );
  });

  test('GIVEN traffic under the judging floor THEN the 5xx rate is not judged', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    set(f, ids.requests, flat(10));
    set(f, ids.target5xx, flat(5));
    const result = analyze(f, t);
    expect(result.traffic.errorRatePercent).toBeUndefined();
    expect(result.reasons.join('\n')).not.toMatch(/5xx/);
  });

  test('GIVEN a series CloudWatch returned as PartialData THEN it is reported', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    f[ids.dbCpu] = { ...f[ids.dbCpu], status: 'PartialData', messages: ['more data on the next page'] };
    expect(analyze(f, t).dataQuality.partial).toEqual([
      'CPUUtilization of sb-prod-primary: PartialData (more data on the next page)',
    ]);
  });

  test('GIVEN NaN datapoints THEN they are ignored rather than poisoning the levels', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    set(f, ids.dbCpu, [...flat(30, 50), ...flat(NaN, 10)]);
    expect(analyze(f, t).tiers.database.summary).toMatch(/^CPU 30%/);
  });
});

describe('analysis: headroom', () => {
  test('GIVEN the healthy hour THEN headroom per tier is the busiest signal against its line', () => {
    const t = makeTargets();
    const { tiers } = analyze(healthyFixture(t), t);
    // app: CPU capacity 3 x 45 of 10 x 85 leaves 84.1%; memory 40 of 85 leaves 52.9%: the lower wins
    expect(tiers.app.headroomPercent).toBe(52.9);
    // database: CPU 30 of 80 leaves 62.5%; latency 3 ms of 20 leaves 85%
    expect(tiers.database.headroomPercent).toBe(62.5);
    // proxy: 10% of the pool used against an 80% line
    expect(tiers.proxy.headroomPercent).toBe(87.5);
    // cache: memory 30 of 80
    expect(tiers.cache.headroomPercent).toBe(62.5);
    // replicas: lag 0.5 s of 30 s leaves 98.3%; CPU 20 of 80 leaves 75%
    expect(tiers.replicas.headroomPercent).toBe(75);
  });

  test('GIVEN a signal far over its line THEN headroom is clamped at 0', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    set(f, ids.dbCpu, flat(100));
    set(f, ids.dbReadLatency, flat(1));
    expect(analyze(f, t).tiers.database.headroomPercent).toBe(0);
  });
});

describe('verdict codes', () => {
  test('each verdict has a distinct, stable code', () => {
    expect(VERDICT_CODES).toEqual({
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
    });
    for (const v of VERDICTS) expect(verdictFromCode(VERDICT_CODES[v])).toBe(v);
    expect(verdictFromCode(42)).toBeUndefined();
  });

  test('the previous verdict is the latest datapoint of the advisor metric', () => {
    const f: Fixture = {};
    set(f, ids.previousVerdict, [null, 0, null, 2, null]);
    expect(previousVerdict(f)).toBe('DB_READ_BOUND');
    expect(previousVerdict({})).toBeUndefined();
  });
});
