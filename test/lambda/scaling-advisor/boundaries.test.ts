/**
 * The advisor at the edges of its rules: a breach held for exactly a quarter of the window counts
 * (for the sustained level and for "at max tasks" alike), and at exactly a line the advisor compares
 * the way the alarm on that line does.
 */
import { analyze, sustainedCount, sustainedLevel } from '../../../lambda/scaling-advisor/analysis';
import { LINE_COMPARISONS } from '../../../lambda/scaling-advisor/lines';
import { ids } from '../../../lambda/scaling-advisor/queries';
import { Fixture, flat, healthyFixture, makeTargets, set, spike } from './fixtures';

describe('a quarter of the window', () => {
  test.each([
    [60, 15],
    [61, 16],
    [4, 1],
    [1, 1],
  ])('of %i datapoints is %i', (n, count) => {
    expect(sustainedCount(n)).toBe(count);
  });

  test('the sustained level is the level held for exactly 15 of 60 minutes', () => {
    expect(sustainedLevel(spike(92, 30, 15))).toBe(92);
    expect(sustainedLevel(spike(92, 30, 14))).toBe(30);
  });

  test('15 of 60 minutes at max tasks with CPU over the scale-out line: saturated', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    set(f, ids.appTasks, spike(10, 3, 15));
    set(f, ids.appCpu, spike(78, 45, 15));
    const result = analyze(f, t);
    expect(result.verdict).toBe('APP_SATURATED_AT_MAX');
    expect(result.reasons[0]).toContain('maximum of 10 tasks for 15 of 60 minutes with CPU at 78%');
  });

  test('14 of 60 minutes at max tasks is a spike, not saturation', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    set(f, ids.appTasks, spike(10, 3, 14));
    set(f, ids.appCpu, spike(78, 45, 14));
    expect(analyze(f, t).verdict).toBe('HEALTHY');
  });

  test('primary CPU over its line for exactly 15 of 60 minutes counts', () => {
    const t = makeTargets();
    const f = healthyFixture(t);
    set(f, ids.dbCpu, spike(92, 30, 15));
    expect(analyze(f, t).verdict).toBe('DB_READ_BOUND');
    set(f, ids.dbCpu, spike(92, 30, 14));
    expect(analyze(f, t).verdict).toBe('HEALTHY');
  });
});

/** How to put one line's signal at `value` for the whole window. */
const AT: Record<string, (f: Fixture, value: number) => void> = {
  serviceMemoryPercent: (f, v) => set(f, ids.appMemory, flat(v)),
  dbCpuPercent: (f, v) => set(f, ids.dbCpu, flat(v)),
  dbLatencyMs: (f, v) => set(f, ids.dbReadLatency, flat(v / 1000)),
  replicaLagSeconds: (f, v) => set(f, ids.replicaLag(1), flat(v)),
  cacheCpuPercent: (f, v) => set(f, ids.cacheCpu(0), flat(v)),
  cacheMemoryPercent: (f, v) => set(f, ids.cacheMemory(0), flat(v)),
  cacheReplicationLagSeconds: (f, v) => set(f, ids.cacheReplicationLag(1), flat(v)),
  // The proxy's pool: database connections over MaxDatabaseConnectionsAllowed (400 in the fixture).
  dbConnectionsPercent: (f, v) => set(f, ids.proxyDbConnections, flat((v * 400) / 100)),
};

describe('at exactly a line, the advisor judges like the alarm on it', () => {
  const t = makeTargets();
  test.each(Object.keys(AT))('%s', (line) => {
    const threshold = t.thresholds[line as keyof typeof t.thresholds];
    const comparison = LINE_COMPARISONS[line as keyof typeof LINE_COMPARISONS];
    const at = healthyFixture(t);
    AT[line](at, threshold);
    const over = healthyFixture(t);
    AT[line](over, threshold * 1.01);

    // Over the line, every one of these lines is a finding.
    expect(analyze(over, t).verdict).not.toBe('HEALTHY');
    // At the line: a GreaterThanThreshold alarm stays OK, so the advisor stays HEALTHY; a
    // GreaterThanOrEqualToThreshold alarm fires, and the advisor reports.
    expect(analyze(at, t).verdict === 'HEALTHY').toBe(comparison === 'GreaterThanThreshold');
  });
});
