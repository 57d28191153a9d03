/**
 * Host counts of a canary, linear or blue/green service: the advisor queries both target groups and
 * sums them minute by minute, so it follows the traffic after a release moved it to the alternate.
 */
import { analyze } from '../../../lambda/scaling-advisor/analysis';
import { buildQueries, ids } from '../../../lambda/scaling-advisor/queries';
import { AdvisorTargetsError, parseTargets } from '../../../lambda/scaling-advisor/targets';
import { flat, healthyFixture, makeTargets, set } from './fixtures';

const ALTERNATE = 'targetgroup/Scala-Servi-ALT/0011223344556677';
const rolling = makeTargets();
const canary = makeTargets({ alternateTargetGroupFullName: ALTERNATE });

function hostQueries(targets: typeof rolling) {
  return buildQueries(targets)
    .filter((q) => /HostCount$/.test(q.MetricStat!.Metric!.MetricName!))
    .map((q) => ({
      id: q.Id,
      name: q.MetricStat!.Metric!.MetricName,
      stat: q.MetricStat!.Stat,
      dimensions: Object.fromEntries(q.MetricStat!.Metric!.Dimensions!.map((d) => [d.Name, d.Value])),
    }));
}

describe('queries: host counts per target group', () => {
  test('rolling (no alternate group): the one target group', () => {
    const tg = { TargetGroup: rolling.targetGroupFullName, LoadBalancer: rolling.loadBalancerFullName };
    expect(hostQueries(rolling)).toEqual([
      { id: ids.unhealthyHosts, name: 'UnHealthyHostCount', stat: 'Maximum', dimensions: tg },
      { id: ids.healthyHosts, name: 'HealthyHostCount', stat: 'Minimum', dimensions: tg },
    ]);
  });

  test('canary: both target groups, each with the load balancer', () => {
    const first = { TargetGroup: canary.targetGroupFullName, LoadBalancer: canary.loadBalancerFullName };
    const alternate = { TargetGroup: ALTERNATE, LoadBalancer: canary.loadBalancerFullName };
    expect(hostQueries(canary)).toEqual([
      { id: ids.unhealthyHosts, name: 'UnHealthyHostCount', stat: 'Maximum', dimensions: first },
      { id: ids.healthyHosts, name: 'HealthyHostCount', stat: 'Minimum', dimensions: first },
      { id: ids.unhealthyHostsAlternate, name: 'UnHealthyHostCount', stat: 'Maximum', dimensions: alternate },
      { id: ids.healthyHostsAlternate, name: 'HealthyHostCount', stat: 'Minimum', dimensions: alternate },
    ]);
  });
});

describe('targets: alternateTargetGroupFullName', () => {
  test('accepted when a non-empty string, refused otherwise, naming the key', () => {
    expect(parseTargets(canary, 'test').alternateTargetGroupFullName).toBe(ALTERNATE);
    expect(() => parseTargets({ ...canary, alternateTargetGroupFullName: '' }, 'test')).toThrow(
      AdvisorTargetsError,
    );
    expect(() => parseTargets({ ...canary, alternateTargetGroupFullName: 3 }, 'test')).toThrow(
      /alternateTargetGroupFullName must be a non-empty string when set, got 3/,
    );
  });
});

describe('analysis: host counts follow the traffic', () => {
  test('GIVEN traffic on the alternate group with an unhealthy target THEN the symptom is reported', () => {
    // GIVEN the first group idle after a release (no targets: 0) and the alternate serving with
    // one target failing health checks the whole hour
    const f = healthyFixture(canary);
    set(f, ids.unhealthyHosts, flat(0));
    set(f, ids.healthyHosts, flat(0));
    set(f, ids.unhealthyHostsAlternate, flat(1));
    set(f, ids.healthyHostsAlternate, flat(2));

    const result = analyze(f, canary);

    expect(result.reasons).toContain('Symptom: 1 unhealthy target(s) for at least a quarter of the window.');
    expect(result.dataQuality.missing).toEqual([]);
  });

  test('GIVEN the same series without an alternate group in the targets THEN it is not seen (rolling reads one group)', () => {
    const f = healthyFixture(rolling);
    set(f, ids.unhealthyHosts, flat(0));
    set(f, ids.unhealthyHostsAlternate, flat(1));

    const result = analyze(f, rolling);

    expect(result.reasons.join('\n')).not.toMatch(/unhealthy target/);
  });

  test('GIVEN only the alternate group reporting THEN the host counts are not missing', () => {
    const f = healthyFixture(canary);
    delete f[ids.unhealthyHosts];
    delete f[ids.healthyHosts];
    set(f, ids.unhealthyHostsAlternate, flat(0));
    set(f, ids.healthyHostsAlternate, flat(3));

    expect(analyze(f, canary).dataQuality.missing).toEqual([]);
  });

  test('GIVEN neither group reporting THEN both are named as missing', () => {
    const f = healthyFixture(canary);
    delete f[ids.unhealthyHosts];
    delete f[ids.healthyHosts];

    expect(analyze(f, canary).dataQuality.missing).toContain(
      `HealthyHostCount/UnHealthyHostCount of ${canary.targetGroupFullName} + ${ALTERNATE} (0 of 60 datapoints)`,
    );
  });
});
