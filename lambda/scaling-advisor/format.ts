import { AdvisorReport, TIERS } from './analysis';

/**
 * Plain-text rendering of a report: the CLI prints it and the SNS notification carries it, so it must
 * read well in a terminal and in an e-mail client (no colours, no box-drawing characters).
 */

const WRAP = 100;

/** The report as a text table with the verdict, the tiers, and the evidence. */
export function formatReport(report: AdvisorReport): string {
  const lines: string[] = [];
  lines.push(`Scaling advisor: ${report.stackName}`);
  lines.push(
    `Window: ${report.window.start} .. ${report.window.end} (${report.window.minutes} min); ` +
      `previous verdict: ${report.previousVerdict ?? 'none'}${report.verdictChanged ? ' (changed)' : ''}`,
  );
  lines.push(
    `Verdict: ${report.verdict} (code ${report.verdictCode})` +
      (report.bottleneckTier ? `, bottleneck: ${report.bottleneckTier}` : ''),
  );
  lines.push(...wrap(`Do: ${report.recommendation}`, WRAP, '    '));
  lines.push('');
  lines.push(
    ...table(
      ['Tier', 'State', 'Headroom', 'Summary'],
      TIERS.map((tier) => {
        const a = report.tiers[tier];
        return [
          tier,
          a.state,
          a.headroomPercent === undefined ? '-' : `${a.headroomPercent.toFixed(1)}%`,
          a.summary,
        ];
      }),
      [false, false, true, false],
    ),
  );
  lines.push('');
  lines.push(`Traffic: ${formatTraffic(report)}`);
  if (report.reasons.length > 0) {
    lines.push('Reasons:');
    for (const r of report.reasons) lines.push(...wrap(`  - ${r}`, WRAP, '    '));
  }
  const q = report.dataQuality;
  lines.push(
    `Data: ${q.complete ? 'complete' : 'INCOMPLETE'} (a series needs ${q.minDatapoints} of ${q.expectedDatapoints} ` +
      `one-minute datapoints; ${report.fetch.queries} queries in ${report.fetch.calls} call(s)` +
      (report.fetch.retries ? `, ${report.fetch.retries} throttling retries` : '') +
      ')',
  );
  for (const [label, items] of [
    ['Missing', q.missing],
    ['Partial', q.partial],
    ['Notes', q.notes],
  ] as const) {
    if (items.length === 0) continue;
    lines.push(`${label}:`);
    for (const item of items) lines.push(...wrap(`  - ${item}`, WRAP, '    '));
  }
  return lines.join('\n');
}

function formatTraffic(report: AdvisorReport): string {
  const t = report.traffic;
  if (t.requests === undefined) return 'unknown (no load balancer data)';
  const parts = [`${t.requests} requests (${t.requestsPerMinute}/min)`];
  parts.push(t.p95Seconds === undefined ? 'p95 n/a' : `p95 ${t.p95Seconds} s`);
  parts.push(
    t.errorRatePercent === undefined ? '5xx rate not judged (low traffic)' : `5xx ${t.errorRatePercent}%`,
  );
  if (t.blockedRequests !== undefined) parts.push(`${t.blockedRequests} blocked by AWS WAF (not counted)`);
  return parts.join(', ');
}

/** Left-aligned columns (right-aligned where `right` says), padded to the widest cell. */
export function table(header: string[], rows: string[][], right: boolean[] = []): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const render = (cells: string[]) =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...rows.map(render)];
}

/** Wrap text at word boundaries; continuation lines start with `indent`. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const leading = /^\s*/.exec(text)![0];
  const out: string[] = [];
  let line = leading;
  for (const word of text.trim().split(/\s+/)) {
    if (word === '') continue;
    const fresh = line.trim() === '';
    const candidate = fresh ? `${line}${word}` : `${line} ${word}`;
    if (candidate.length > width && !fresh) {
      out.push(line);
      line = `${indent}${word}`;
    } else {
      line = candidate;
    }
  }
  if (line.trim() !== '') out.push(line);
  return out;
}
