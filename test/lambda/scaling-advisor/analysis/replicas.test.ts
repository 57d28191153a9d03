import { analyze } from '../../../../lambda/scaling-advisor/analysis';
import { ids } from '../../../../lambda/scaling-advisor/queries';
import { flat, healthyFixture, makeTargets, set } from '../fixtures';

describe('analysis: edge cases', () => {
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

  test('GIVEN a stack without replicas THEN the replica tier is NOT_DEPLOYED and has no headroom', () => {
    const t = makeTargets({ replicaInstanceIds: [] });
    const result = analyze(healthyFixture(t), t);
    expect(result.verdict).toBe('HEALTHY');
    expect(result.tiers.replicas).toEqual({ state: 'NOT_DEPLOYED', summary: 'no read replicas' });
  });
});
