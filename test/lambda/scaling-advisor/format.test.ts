import { AdvisorReport, analyze } from '../../../lambda/scaling-advisor/analysis';
import { formatReport, table, wrap } from '../../../lambda/scaling-advisor/format';
import { ids } from '../../../lambda/scaling-advisor/queries';
import { flat, healthyFixture, makeTargets, set } from './fixtures';

function report(mutate: (f: ReturnType<typeof healthyFixture>) => void = () => undefined): AdvisorReport {
  const t = makeTargets({ replicaInstanceIds: ['sb-prod-replica-1'] });
  const f = healthyFixture(t);
  mutate(f);
  return {
    ...analyze(f, t),
    stackName: t.stackName,
    generatedAt: '2026-11-30T05:00:30.000Z',
    window: { start: '2026-11-30T04:00:00.000Z', end: '2026-11-30T05:00:00.000Z', minutes: 60 },
    previousVerdict: 'HEALTHY',
    verdictChanged: true,
    published: false,
    notified: false,
    fetch: { calls: 1, retries: 2, queries: 44 },
  };
}

describe('formatReport', () => {
  test('GIVEN a read-bound report THEN the header names stack, window, verdict, tier and lever', () => {
    const text = formatReport(report((f) => set(f, ids.dbCpu, flat(90))));
    const lines = text.split('\n');
    expect(lines[0]).toBe('Scaling advisor: ScalableBackend-prod');
    expect(lines[1]).toBe(
      'Window: 2026-11-30T04:00:00.000Z .. 2026-11-30T05:00:00.000Z (60 min); previous verdict: HEALTHY (changed)',
    );
    expect(lines[2]).toBe('Verdict: DB_READ_BOUND (code 2), bottleneck: database');
    expect(lines[3]).toMatch(/^Do: Cache the expensive reads in Redis first/);
    expect(text).toMatch(/^Traffic: 60000 requests \(1000\/min\), p95 0\.2 s, 5xx 0\.1%$/m);
    expect(text).toMatch(/^ {2}- Database primary is read-bound: CPU 90%/m);
    expect(text).toMatch(
      /^Data: complete \(a series needs 30 of 60 one-minute datapoints; 44 queries in 1 call\(s\), 2 throttling retries\)$/m,
    );
  });

  test('GIVEN every tier THEN the table has one aligned row per tier with headroom or a dash', () => {
    const text = formatReport(report((f) => delete f[ids.proxyDbConnections]));
    const lines = text.split('\n');
    const header = lines.findIndex((l) => l.startsWith('Tier '));
    const rows = lines.slice(header + 2, header + 7);
    expect(rows.map((r) => r.split(/\s+/)[0])).toEqual(['app', 'database', 'proxy', 'cache', 'replicas']);
    // the Summary column starts at the same offset on every row
    const summaryAt = lines[header].indexOf('Summary');
    for (const r of rows) expect(r[summaryAt - 1]).toBe(' ');
    expect(rows[0]).toMatch(/^app\s+OK\s+52\.9%\s+CPU 45%/);
    expect(rows[2]).toMatch(/^proxy\s+NO_DATA\s+-\s+no connection metrics/);
  });

  test('GIVEN missing data THEN an INCOMPLETE line and the Missing list say what', () => {
    const text = formatReport(report((f) => delete f[ids.appTasks]));
    expect(text).toMatch(/^Verdict: INSUFFICIENT_DATA \(code 9\)$/m);
    expect(text).toMatch(/^Data: INCOMPLETE/m);
    expect(text).toMatch(
      /^Missing:\n {2}- RunningTaskCount of service ScalableBackend-prod-Service \(Container Insights\) \(0 of 60\n {4}datapoints\)$/m,
    );
  });

  test('GIVEN any report THEN no line is longer than the table or the wrap width', () => {
    const text = formatReport(report((f) => set(f, ids.dbCpu, flat(90))));
    const widest = Math.max(...text.split('\n').map((l) => l.length));
    expect(widest).toBeLessThanOrEqual(130);
  });
});

describe('text helpers', () => {
  test('wrap breaks at words, keeps the leading indent and indents continuation lines', () => {
    expect(wrap('  - one two three four', 12, '    ')).toEqual(['  - one two', '    three', '    four']);
    expect(wrap('short', 80)).toEqual(['short']);
    expect(wrap('averyveryverylongword tail', 5)).toEqual(['averyveryverylongword', 'tail']);
  });

  test('table pads columns to the widest cell and right-aligns where asked', () => {
    expect(
      table(
        ['a', 'n'],
        [
          ['xyz', '1'],
          ['q', '100'],
        ],
        [false, true],
      ),
    ).toEqual(['a      n', '---  ---', 'xyz    1', 'q    100']);
  });
});
