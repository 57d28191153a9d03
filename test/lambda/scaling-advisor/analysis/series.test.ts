import { analyze } from '../../../../lambda/scaling-advisor/analysis';
import { ids } from '../../../../lambda/scaling-advisor/queries';
import { flat, healthyFixture, makeTargets, set, spike } from '../fixtures';

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
