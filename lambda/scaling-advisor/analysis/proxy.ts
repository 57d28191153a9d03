import { crosses } from '../lines';
import { ids } from '../queries';
import type { AdvisorTargets } from '../targets';
import {
  combine,
  headroom,
  pct,
  round,
  SeriesReader,
  sustained,
  sustainedLevel,
  withHeadroom,
} from './series';
import type { Finding, TierAssessment } from './verdicts';

/** RDS Proxy: how much of its database connection limit the pool uses. */

export function assessProxy(r: SeriesReader, targets: AdvisorTargets) {
  const t = targets.thresholds;
  const name = targets.proxyName;
  // RDS Proxy publishes nothing until its first client connection, so a proxy no app talks to yet has
  // no data. That is expected, not a gap: these series are optional.
  const why = 'RDS Proxy publishes metrics only after its first client connection';
  const dbConnections = r.optional(ids.proxyDbConnections, `DatabaseConnections of proxy ${name}`, why);
  const maxConnections = r.optional(
    ids.proxyMaxConnections,
    `MaxDatabaseConnectionsAllowed of proxy ${name}`,
  );
  const clients = r.optional(ids.proxyClientConnections, `ClientConnections of proxy ${name}`);
  const queryLatency = r.optional(ids.proxyQueryLatency, `QueryResponseLatency of proxy ${name}`);
  const borrowLatency = r.optional(
    ids.proxyBorrowLatency,
    `DatabaseConnectionsBorrowLatency of proxy ${name}`,
  );
  const notes: string[] = [];

  if (!dbConnections.enough || !maxConnections.enough) {
    return {
      assessment: {
        state: 'NO_DATA',
        summary: 'no connection metrics (no client connected yet?)',
      } as TierAssessment,
      notes,
      okReason: undefined,
      finding: undefined as Finding | undefined,
    };
  }
  const usage = combine(dbConnections, maxConnections, (c, m) => (m > 0 ? (100 * c) / m : undefined));
  const usageLevel = sustainedLevel(usage);
  const h = Number.isFinite(usageLevel) ? headroom(usageLevel, t.dbConnectionsPercent) : undefined;
  const queryMs = queryLatency.enough ? sustained(queryLatency) / 1000 : undefined;
  const borrowMs = borrowLatency.enough ? sustained(borrowLatency) / 1000 : undefined;
  const summary =
    `pool ${Number.isFinite(usageLevel) ? pct(usageLevel) : 'n/a'} of its limit` +
    (clients.enough ? `, ${round(Math.max(...clients.values), 0)} client connections` : '') +
    (queryMs !== undefined ? `, query latency ${round(queryMs, 2)} ms` : '') +
    (borrowMs !== undefined ? `, borrow latency ${round(borrowMs, 2)} ms` : '');
  if (queryMs !== undefined && crosses(queryMs, t, 'dbLatencyMs')) {
    notes.push(`Proxy query response latency ${round(queryMs, 2)} ms is over ${t.dbLatencyMs} ms.`);
  }

  if (Number.isFinite(usageLevel) && crosses(usageLevel, t, 'dbConnectionsPercent')) {
    return {
      assessment: { state: 'PRESSURE', ...withHeadroom(h), summary } as TierAssessment,
      notes,
      okReason: undefined,
      finding: {
        verdict: 'DB_CONNECTION_EXHAUSTION',
        tier: 'proxy',
        recommendation:
          'Tune RDS Proxy: raise database.proxy.maxConnectionsPercent if the primary has CPU to spare, keep ' +
          'transactions short and avoid session pinning (SET, temp tables, advisory locks) so connections ' +
          'return to the pool; check the app pool size per task. A larger primary raises max_connections.',
        reasons: [
          `RDS Proxy used ${pct(usageLevel)} of its database connection limit (line ${t.dbConnectionsPercent}%)` +
            (borrowMs !== undefined ? `; clients waited ${round(borrowMs, 2)} ms to borrow one` : '') +
            '.',
        ],
      } as Finding,
    };
  }
  return {
    assessment: { state: 'OK', ...withHeadroom(h), summary } as TierAssessment,
    notes,
    okReason: `RDS Proxy: ${summary}.`,
    finding: undefined as Finding | undefined,
  };
}
