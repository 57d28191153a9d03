import { analyze } from '../../../../lambda/scaling-advisor/analysis';
import { ids } from '../../../../lambda/scaling-advisor/queries';
import { flat, healthyFixture, makeTargets, set } from '../fixtures';

describe('analysis: edge cases', () => {
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
});
