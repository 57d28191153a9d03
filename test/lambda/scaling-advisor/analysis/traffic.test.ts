import { analyze } from '../../../../lambda/scaling-advisor/analysis';
import { ids } from '../../../../lambda/scaling-advisor/queries';
import { flat, healthyFixture, makeTargets, set } from '../fixtures';

describe('analysis: edge cases', () => {
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
});
