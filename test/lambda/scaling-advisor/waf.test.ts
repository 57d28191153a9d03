import { analyze } from '../../../lambda/scaling-advisor/analysis';
import { formatReport } from '../../../lambda/scaling-advisor/format';
import { buildQueries, ids } from '../../../lambda/scaling-advisor/queries';
import { parseTargets } from '../../../lambda/scaling-advisor/targets';
import { flat, healthyFixture, makeTargets, set } from './fixtures';

// Requests AWS WAF blocked never reach a task: the advisor must not count them as the app's load,
// whether or not the ALB's RequestCount includes them.
const webAcl = { metricName: 'ScalableBackend-prod', region: 'eu-west-1' };

describe('advisor with a web ACL in front of the load balancer', () => {
  test('GIVEN a web ACL WHEN the queries are built THEN AllowedRequests and BlockedRequests of the whole web ACL are read', () => {
    const queries = buildQueries(makeTargets({ webAcl }));
    for (const [id, metricName] of [
      [ids.wafAllowed, 'AllowedRequests'],
      [ids.wafBlocked, 'BlockedRequests'],
    ]) {
      const q = queries.find((x) => x.Id === id);
      expect(q?.MetricStat).toEqual({
        Metric: {
          Namespace: 'AWS/WAFV2',
          MetricName: metricName,
          Dimensions: [
            { Name: 'WebACL', Value: 'ScalableBackend-prod' },
            { Name: 'Region', Value: 'eu-west-1' },
            { Name: 'Rule', Value: 'ALL' },
          ],
        },
        Period: 60,
        Stat: 'Sum',
      });
    }
  });

  test('GIVEN no web ACL THEN no WAF query is made', () => {
    const queryIds = buildQueries(makeTargets()).map((q) => q.Id);
    expect(queryIds).not.toContain(ids.wafAllowed);
    expect(queryIds).not.toContain(ids.wafBlocked);
  });

  test('GIVEN RequestCount includes 9000 blocked requests a minute WHEN analyzed THEN traffic is the 1000 WAF allowed', () => {
    const t = makeTargets({ webAcl });
    const f = healthyFixture(t);
    set(f, ids.requests, flat(10_000));
    set(f, ids.wafAllowed, flat(1000));
    set(f, ids.wafBlocked, flat(9000));

    const result = analyze(f, t);

    expect(result.traffic.requestsPerMinute).toBe(1000);
    expect(result.traffic.blockedRequests).toBe(9000 * 60);
  });

  test('GIVEN RequestCount excludes blocked requests WHEN analyzed THEN traffic is RequestCount, not less', () => {
    const t = makeTargets({ webAcl });
    const f = healthyFixture(t);
    set(f, ids.requests, flat(990)); // a few allowed requests were rejected before a target was chosen
    set(f, ids.wafAllowed, flat(1000));
    set(f, ids.wafBlocked, flat(9000));

    expect(analyze(f, t).traffic.requestsPerMinute).toBe(990);
  });

  test('GIVEN a flood WAF blocks entirely WHEN analyzed THEN the 5xx rate is judged over the app requests only', () => {
    const t = makeTargets({ webAcl });
    const f = healthyFixture(t);
    set(f, ids.requests, flat(101_000));
    set(f, ids.wafAllowed, flat(1000));
    set(f, ids.wafBlocked, flat(100_000));
    set(f, ids.target5xx, flat(50)); // 5% of the app's requests, 0.05% of everything

    const result = analyze(f, t);

    expect(result.traffic.errorRatePercent).toBe(5);
    expect(result.reasons).toContain('Symptom: 5xx rate 5% is above 1%.');
  });

  test('GIVEN a minute WAF did not report THEN that minute counts no app request', () => {
    const t = makeTargets({ webAcl });
    const f = healthyFixture(t);
    set(f, ids.requests, flat(500));
    set(
      f,
      ids.wafAllowed,
      flat(500).map((v, i) => (i < 30 ? v : null)),
    );

    expect(analyze(f, t).traffic.requests).toBe(500 * 30);
  });

  test('GIVEN WAF reports nothing while the ALB counts requests THEN RequestCount is used and the gap is noted', () => {
    const t = makeTargets({ webAcl });
    const f = healthyFixture(t);

    const result = analyze(f, t);

    expect(result.traffic.requestsPerMinute).toBe(1000);
    expect(result.dataQuality.notes).toContain(
      'AllowedRequests of web ACL ScalableBackend-prod: no data while the load balancer counted requests; traffic is RequestCount as reported (it may include requests WAF blocked).',
    );
  });

  test('GIVEN a malformed webAcl in the targets THEN parsing names it', () => {
    const targets = { ...makeTargets(), webAcl: { metricName: '', region: 'eu-west-1' } };
    expect(() => parseTargets(JSON.parse(JSON.stringify(targets)), 'test')).toThrow(
      /webAcl must be an object with non-empty metricName and region/,
    );
    expect(parseTargets(JSON.parse(JSON.stringify(makeTargets({ webAcl }))), 'test').webAcl).toEqual(webAcl);
  });
});

describe('advisor report with a web ACL', () => {
  test('GIVEN blocked requests THEN the text report shows them apart from the traffic', () => {
    const t = makeTargets({ webAcl });
    const f = healthyFixture(t);
    set(f, ids.wafAllowed, flat(1000));
    set(f, ids.wafBlocked, flat(10));
    const analysis = analyze(f, t);
    const text = formatReport({
      ...analysis,
      stackName: t.stackName,
      generatedAt: '2026-11-30T05:00:00.000Z',
      window: { start: '2026-11-30T04:00:00.000Z', end: '2026-11-30T05:00:00.000Z', minutes: 60 },
      verdictChanged: false,
      published: false,
      notified: false,
      fetch: { calls: 1, retries: 0, queries: 1 },
    });
    expect(text).toContain('60000 requests (1000/min)');
    expect(text).toContain('600 blocked by AWS WAF (not counted)');
  });
});
