import { QueryReport } from './analysis';
import { shortText } from './statement';

/**
 * Plain-text renderings of the query advisor's findings: the whole report for a terminal, and the
 * short form the scaling advisor's database verdicts carry, in the product's lever order (index,
 * then cache, then replicas, then a bigger instance).
 */

/** One instance's result in a run: its report, or why there is none. */
export interface InstanceResult {
  /** `primary` or the replica's instance identifier. */
  readonly name: string;
  readonly role: 'primary' | 'replica';
  readonly report?: QueryReport;
  readonly error?: string;
}

/** What the function returns and logs (one JSON line): every instance of the database. */
export interface QueryAdvisorRun {
  readonly generatedAt: string;
  readonly instances: readonly InstanceResult[];
}

const ms = (n: number): string =>
  n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${n.toFixed(n < 10 ? 2 : 0)} ms`;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The full report of one instance, for `npm run advisor -- queries`. */
export function formatQueryReport(report: QueryReport): string {
  const lines: string[] = [];
  lines.push(
    `Query advisor: ${report.instance} (PostgreSQL ${Math.floor(report.serverVersionNum / 10000)}; ` +
      `statistics since ${report.statsSince ?? 'unknown'}; ${ms(report.allStatementsMs)} of statement time)`,
  );
  lines.push('');
  lines.push('Top statements by total time:');
  report.statements.forEach((s, i) => {
    lines.push(
      `  ${i + 1}. ${s.sharePercent}%  ${ms(s.totalMs)} total, ${s.calls} calls, mean ${ms(s.meanMs)}, ` +
        `max ${ms(s.maxMs)}, ${s.rowsPerCall} rows/call, ${s.kind}`,
    );
    lines.push(`     ${shortText(s.query, 110)}`);
    if (s.planError) lines.push(`     (no plan: ${s.planError})`);
  });
  lines.push('');
  lines.push(...leverLines([{ name: report.instance, role: 'primary', report }]));
  if (report.unusedIndexes.length > 0) {
    lines.push('', 'Unused indexes (no scan since the statistics were reset; every write maintains them):');
    for (const u of report.unusedIndexes) {
      lines.push(`  - ${u.index} on ${u.table}: ${mb(u.bytes)}, ${u.tableWrites} row writes. ${u.dropSql}`);
    }
  }
  if (report.duplicateIndexes.length > 0) {
    lines.push('', 'Duplicate indexes:');
    for (const d of report.duplicateIndexes) {
      lines.push(
        `  - ${d.index} (${d.columns.join(', ')}) is covered by ${d.coveredBy}: ${mb(d.bytes)}. ${d.dropSql}`,
      );
    }
  }
  if (report.tables.length > 0) {
    lines.push('', 'Tables:');
    for (const t of report.tables)
      lines.push(`  - ${t.table} (${Math.round(t.rows)} rows): ${t.notes.join('; ')}`);
  }
  const a = report.activity;
  lines.push(
    '',
    `Sessions: ${a.connections} of ${a.maxConnections} connections (${a.connectionsPercent}%), ` +
      `${a.idleInTransaction} idle in transaction, ${a.waitingOnLocks} waiting on locks; ` +
      `buffer hit ratio ${report.bufferHitPercent === undefined ? 'n/a' : `${report.bufferHitPercent}%`}`,
  );
  for (const n of report.notes) lines.push(`Note: ${n}`);
  return lines.join('\n');
}

/**
 * The levers in the product's order, each with the evidence behind it: 1 the indexes, 2 the cache
 * candidates, 3 replicas (the reads' share of the primary's time), 4 a bigger instance (what is left).
 */
export function leverLines(results: readonly InstanceResult[], max = 3): string[] {
  const primary = results.find((r) => r.role === 'primary' && r.report)?.report;
  const reports = results.filter((r) => r.report).map((r) => r.report!);
  const lines: string[] = [];
  const indexes = reports.flatMap((r) => r.indexCandidates.map((c) => ({ r, c })));
  lines.push(`1. Index (${indexes.length} candidate${indexes.length === 1 ? '' : 's'}):`);
  for (const { r, c } of indexes.slice(0, max)) {
    const check = c.verified
      ? `verified by hypopg: cost ${c.costBefore} -> ${c.costAfter}`
      : 'unverified (no hypopg)';
    lines.push(`   - ${c.createSql};  [${r.instance}, ${check}]`);
    lines.push(`     for ${shortText(c.statement.query, 90)} (${c.statement.sharePercent}% of time)`);
  }
  const caches = reports.flatMap((r) => r.cacheCandidates.map((c) => ({ r, c })));
  lines.push(`2. Cache in Redis (${caches.length} read${caches.length === 1 ? '' : 's'}):`);
  for (const { r, c } of caches.slice(0, max)) {
    lines.push(
      `   - ${shortText(c.query, 90)}  [${r.instance}: ${c.calls} calls, ${c.sharePercent}% of time; ` +
        `saves ${ms(c.savedMs)} at a ${c.hitRatePercent}% hit rate]`,
    );
  }
  if (primary) {
    lines.push(
      `3. Read replicas: reads are ${primary.readSharePercent}% of the primary's statement time` +
        (primary.readSharePercent >= 50
          ? ' (send them to DB_READER_HOST).'
          : '; replicas would relieve little.'),
    );
  } else {
    lines.push('3. Read replicas: no report of the primary.');
  }
  lines.push('4. Bigger instance: when the levers above are pulled and the database still limits.');
  for (const r of results.filter((x) => x.error)) lines.push(`   (${r.name}: ${r.error})`);
  return lines;
}

/** The section the scaling advisor appends to a database verdict's notification. */
export function formatForVerdict(run: QueryAdvisorRun): string {
  const lines = ['Queries behind this verdict (query advisor, levers in order):'];
  const primary = run.instances.find((i) => i.role === 'primary')?.report;
  if (primary) {
    lines.push('Top statements on the primary:');
    primary.statements.slice(0, 3).forEach((s, i) => {
      lines.push(
        `  ${i + 1}. ${s.sharePercent}% ${ms(s.totalMs)}, ${s.calls} calls, mean ${ms(s.meanMs)}: ${shortText(s.query, 80)}`,
      );
    });
  }
  lines.push(...leverLines(run.instances));
  return lines.join('\n');
}
