/**
 * The query advisor's judgement, pure: from what collect.ts read on one PostgreSQL instance (the
 * statistics views, the plans of the top statements and, where hypopg exists, the verification of
 * each candidate) to a report that names the statements that cost the most, the indexes that would
 * remove a sequential scan, the reads worth caching, and the indexes nobody uses.
 */
import { IndexInfo, PlannedIndex, TableInfo, createIndexSql, quoteIdent } from './plan';
import { StatementKind, classify, readTiedToWrite } from './statement';

/** A row of pg_stat_statements (see sql.ts STATEMENTS_SQL). */
export interface StatementStats {
  readonly queryId: string;
  readonly query: string;
  readonly calls: number;
  readonly totalMs: number;
  readonly meanMs: number;
  readonly maxMs: number;
  readonly rows: number;
  readonly blocksHit: number;
  readonly blocksRead: number;
}

export interface TableStats extends TableInfo {
  readonly totalBytes: number;
  readonly seqScans: number;
  readonly seqRowsRead: number;
  readonly indexScans: number;
  /** Rows inserted, updated and deleted since the statistics were reset. */
  readonly writes: number;
  readonly liveRows: number;
  readonly deadRows: number;
  /** ISO time of the last (auto)vacuum, if any. */
  readonly lastVacuum?: string;
  readonly lastAutovacuum?: string;
}

export interface IndexStats extends IndexInfo {
  readonly scans: number;
  readonly bytes: number;
  readonly isUnique: boolean;
  readonly isPrimary: boolean;
  /** The index backs a constraint (primary key, unique, exclusion): it cannot simply be dropped. */
  readonly backsConstraint: boolean;
}

export interface ActivityStats {
  readonly connections: number;
  readonly maxConnections: number;
  readonly idleInTransaction: number;
  readonly longestIdleInTransactionSeconds: number;
  readonly waitingOnLocks: number;
}

/** Everything read from one instance. */
export interface QuerySnapshot {
  /** `primary` or the replica's name. */
  readonly instance: string;
  readonly serverVersionNum: number;
  readonly inRecovery: boolean;
  /** Total execution time of every statement of the database (the denominator of each share). */
  readonly allStatementsMs: number;
  /** Since when pg_stat_statements counts (ISO), when known. */
  readonly statsSince?: string;
  readonly statements: readonly StatementStats[];
  readonly tables: readonly TableStats[];
  readonly indexes: readonly IndexStats[];
  readonly buffers: { readonly hit: number; readonly read: number };
  readonly activity: ActivityStats;
  readonly hypopg: boolean;
}

/** Per statement: the plan's outcome. */
export interface PlanOutcome {
  readonly queryId: string;
  /** Candidates found in its plan. */
  readonly candidates: readonly PlannedIndex[];
  /** Why it has no plan (not explainable, permission denied, timeout). */
  readonly error?: string;
}

/** hypopg's verdict on a candidate, keyed by `createIndexSql`. */
export interface CandidateVerification {
  readonly createSql: string;
  readonly queryId: string;
  readonly verified: boolean;
  readonly costBefore: number;
  readonly costAfter: number;
}

export interface AnalysisOptions {
  /** Sequential scans matter on tables with at least this many rows. @default 10000 */
  readonly minTableRows?: number;
  /** Statements in the report. @default 10 */
  readonly topStatements?: number;
  /** A read is a cache candidate from this share of database time (%). @default 1 */
  readonly cacheMinSharePercent?: number;
  /** ... and this many calls. @default 100 */
  readonly cacheMinCalls?: number;
  /** Hit rate at which the saved time is estimated (%). @default 80 */
  readonly cacheHitRatePercent?: number;
  /** Dead tuples worth a finding, as a share of live ones (%). @default 20 */
  readonly deadTuplePercent?: number;
}

export const DEFAULT_ANALYSIS_OPTIONS: Required<AnalysisOptions> = {
  minTableRows: 10_000,
  topStatements: 10,
  cacheMinSharePercent: 1,
  cacheMinCalls: 100,
  cacheHitRatePercent: 80,
  deadTuplePercent: 20,
};

export interface StatementFinding {
  readonly queryId: string;
  readonly query: string;
  readonly kind: StatementKind;
  readonly calls: number;
  readonly totalMs: number;
  readonly meanMs: number;
  readonly maxMs: number;
  readonly rowsPerCall: number;
  readonly sharePercent: number;
  /** Share of its blocks found in shared buffers (%). */
  readonly bufferHitPercent?: number;
  /** Why the advisor has no plan of it, when it has none. */
  readonly planError?: string;
}

export interface IndexCandidate {
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly createSql: string;
  /** The statement whose plan showed the sequential scan. */
  readonly statement: { readonly queryId: string; readonly query: string; readonly sharePercent: number };
  readonly reason: string;
  /** True only when hypopg confirmed it; false when unverified (no hypopg) or refuted. */
  readonly verified: boolean;
  readonly verification: 'hypopg' | 'unverified';
  readonly costBefore?: number;
  readonly costAfter?: number;
}

export interface CacheCandidate {
  readonly queryId: string;
  readonly query: string;
  readonly calls: number;
  readonly totalMs: number;
  readonly meanMs: number;
  readonly sharePercent: number;
  readonly hitRatePercent: number;
  /** Database time a cache with that hit rate would have saved over the same period (ms). */
  readonly savedMs: number;
}

export interface UnusedIndex {
  readonly schema: string;
  readonly table: string;
  readonly index: string;
  readonly bytes: number;
  /** Row writes to the table since the statistics were reset: each one maintained this index too. */
  readonly tableWrites: number;
  readonly dropSql: string;
}

export interface DuplicateIndex {
  readonly schema: string;
  readonly table: string;
  readonly index: string;
  readonly columns: readonly string[];
  /** The index whose leading columns already cover this one. */
  readonly coveredBy: string;
  readonly bytes: number;
  readonly dropSql: string;
}

export interface TableFinding {
  readonly schema: string;
  readonly table: string;
  readonly rows: number;
  readonly seqScans: number;
  readonly rowsPerSeqScan: number;
  readonly indexScans: number;
  readonly deadRows: number;
  readonly deadPercent: number;
  readonly lastAutovacuum?: string;
  readonly notes: readonly string[];
}

export interface QueryReport {
  readonly instance: string;
  readonly serverVersionNum: number;
  readonly statsSince?: string;
  readonly allStatementsMs: number;
  readonly statements: readonly StatementFinding[];
  readonly indexCandidates: readonly IndexCandidate[];
  readonly cacheCandidates: readonly CacheCandidate[];
  readonly unusedIndexes: readonly UnusedIndex[];
  readonly duplicateIndexes: readonly DuplicateIndex[];
  readonly tables: readonly TableFinding[];
  /** Shared-buffer hit ratio of the database (%), when any block was read. */
  readonly bufferHitPercent?: number;
  readonly activity: ActivityStats & { readonly connectionsPercent: number };
  /** Share of the statements' time spent in reads (%): what replicas could take over. */
  readonly readSharePercent: number;
  readonly notes: readonly string[];
}

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;
const pct = (part: number, whole: number): number => (whole > 0 ? round((100 * part) / whole) : 0);

export function analyzeSnapshot(
  snapshot: QuerySnapshot,
  plans: readonly PlanOutcome[],
  verifications: readonly CandidateVerification[],
  options: AnalysisOptions = {},
): QueryReport {
  const o = { ...DEFAULT_ANALYSIS_OPTIONS, ...options };
  const total = snapshot.allStatementsMs;
  const planOf = new Map(plans.map((p) => [p.queryId, p]));
  const sorted = [...snapshot.statements].sort((a, b) => b.totalMs - a.totalMs);

  const statements: StatementFinding[] = sorted.slice(0, o.topStatements).map((s) => {
    const blocks = s.blocksHit + s.blocksRead;
    const planError = planOf.get(s.queryId)?.error;
    return {
      queryId: s.queryId,
      query: s.query,
      kind: classify(s.query),
      calls: s.calls,
      totalMs: round(s.totalMs),
      meanMs: round(s.meanMs, 3),
      maxMs: round(s.maxMs, 3),
      rowsPerCall: s.calls > 0 ? round(s.rows / s.calls) : 0,
      sharePercent: pct(s.totalMs, total),
      ...(blocks > 0 ? { bufferHitPercent: pct(s.blocksHit, blocks) } : {}),
      ...(planError ? { planError } : {}),
    };
  });

  const indexCandidates: IndexCandidate[] = [];
  const seen = new Set<string>();
  for (const s of sorted) {
    for (const c of planOf.get(s.queryId)?.candidates ?? []) {
      const createSql = createIndexSql(c);
      if (seen.has(createSql)) continue;
      seen.add(createSql);
      const v = verifications.find((x) => x.createSql === createSql && x.queryId === s.queryId);
      // hypopg answered and the planner would not use the index, or it would not be cheaper: drop it.
      if (v && !v.verified) continue;
      indexCandidates.push({
        schema: c.schema,
        table: c.table,
        columns: c.columns,
        createSql,
        statement: { queryId: s.queryId, query: s.query, sharePercent: pct(s.totalMs, total) },
        reason: c.reason,
        verified: v?.verified ?? false,
        verification: v ? 'hypopg' : 'unverified',
        ...(v ? { costBefore: round(v.costBefore), costAfter: round(v.costAfter) } : {}),
      });
    }
  }

  const cacheCandidates: CacheCandidate[] = [];
  for (const s of sorted) {
    if (classify(s.query) !== 'read' || readTiedToWrite(s.query)) continue;
    const share = pct(s.totalMs, total);
    if (s.calls < o.cacheMinCalls || share < o.cacheMinSharePercent) continue;
    cacheCandidates.push({
      queryId: s.queryId,
      query: s.query,
      calls: s.calls,
      totalMs: round(s.totalMs),
      meanMs: round(s.meanMs, 3),
      sharePercent: share,
      hitRatePercent: o.cacheHitRatePercent,
      savedMs: round((s.totalMs * o.cacheHitRatePercent) / 100),
    });
  }
  // Most calls first among the candidates: the cache's value is in the repetitions.
  cacheCandidates.sort((a, b) => b.savedMs - a.savedMs);

  const tableWrites = new Map(snapshot.tables.map((t) => [`${t.schema}.${t.name}`, t.writes]));
  const unusedIndexes: UnusedIndex[] = snapshot.indexes
    .filter((i) => i.scans === 0 && !i.isUnique && !i.isPrimary && !i.backsConstraint)
    .map((i) => ({
      schema: i.schema,
      table: i.table,
      index: i.name,
      bytes: i.bytes,
      tableWrites: tableWrites.get(`${i.schema}.${i.table}`) ?? 0,
      dropSql: `DROP INDEX CONCURRENTLY ${quoteIdent(i.schema)}.${quoteIdent(i.name)}`,
    }))
    .sort((a, b) => b.bytes - a.bytes);

  const duplicateIndexes = findDuplicates(snapshot.indexes);

  const tables: TableFinding[] = [];
  for (const t of snapshot.tables) {
    const notes: string[] = [];
    const rowsPerSeqScan = t.seqScans > 0 ? Math.round(t.seqRowsRead / t.seqScans) : 0;
    if (t.rows >= o.minTableRows && t.seqScans > 0 && rowsPerSeqScan >= o.minTableRows) {
      notes.push(`${t.seqScans} sequential scans reading about ${rowsPerSeqScan} rows each`);
    }
    const deadPercent = pct(t.deadRows, Math.max(t.liveRows, 1));
    if (t.deadRows >= 1000 && deadPercent >= o.deadTuplePercent) {
      notes.push(
        `${t.deadRows} dead rows (${deadPercent}% of live); last autovacuum ${t.lastAutovacuum ?? 'never'}`,
      );
    }
    if (notes.length === 0) continue;
    tables.push({
      schema: t.schema,
      table: t.name,
      rows: t.rows,
      seqScans: t.seqScans,
      rowsPerSeqScan,
      indexScans: t.indexScans,
      deadRows: t.deadRows,
      deadPercent,
      ...(t.lastAutovacuum ? { lastAutovacuum: t.lastAutovacuum } : {}),
      notes,
    });
  }
  tables.sort((a, b) => b.seqScans * b.rowsPerSeqScan - a.seqScans * a.rowsPerSeqScan);

  const readMs = snapshot.statements
    .filter((s) => classify(s.query) === 'read')
    .reduce((sum, s) => sum + s.totalMs, 0);
  const blocks = snapshot.buffers.hit + snapshot.buffers.read;
  const notes: string[] = [];
  if (!snapshot.hypopg && indexCandidates.length > 0) {
    notes.push(
      'Index candidates are unverified: the hypopg extension is not installed in this database ' +
        "(CREATE EXTENSION hypopg, as an administrator, lets the advisor check each one by the planner's cost).",
    );
  }
  const unplanned = statements.filter((s) => s.planError).length;
  if (unplanned > 0) notes.push(`${unplanned} of the top statements could not be planned (see planError).`);
  const a = snapshot.activity;
  if (a.idleInTransaction > 0) {
    notes.push(
      `${a.idleInTransaction} session(s) idle in transaction (longest ${Math.round(a.longestIdleInTransactionSeconds)} s): ` +
        'they hold locks and a connection; commit or roll back promptly.',
    );
  }
  if (a.waitingOnLocks > 0) notes.push(`${a.waitingOnLocks} session(s) waiting on a lock.`);

  return {
    instance: snapshot.instance,
    serverVersionNum: snapshot.serverVersionNum,
    ...(snapshot.statsSince ? { statsSince: snapshot.statsSince } : {}),
    allStatementsMs: round(total),
    statements,
    indexCandidates,
    cacheCandidates,
    unusedIndexes,
    duplicateIndexes,
    tables,
    ...(blocks > 0 ? { bufferHitPercent: pct(snapshot.buffers.hit, blocks) } : {}),
    activity: { ...a, connectionsPercent: pct(a.connections, a.maxConnections) },
    readSharePercent: pct(readMs, total),
    notes,
  };
}

/**
 * An index is redundant when another plain B-tree index of the same table starts with the same
 * columns in the same order (and is not partial): the longer one serves every lookup of the shorter.
 * A unique or constraint-backing index is never the redundant one.
 */
export function findDuplicates(indexes: readonly IndexStats[]): DuplicateIndex[] {
  const plain = (i: IndexStats) => i.method === 'btree' && !i.isPartial && !i.hasExpressions;
  const out: DuplicateIndex[] = [];
  for (const i of indexes) {
    if (!plain(i) || i.isUnique || i.isPrimary || i.backsConstraint) continue;
    const cover = indexes.find(
      (j) =>
        j !== i &&
        plain(j) &&
        j.schema === i.schema &&
        j.table === i.table &&
        j.columns.length >= i.columns.length &&
        i.columns.every((c, n) => j.columns[n] === c) &&
        // Of two identical ones, report only the second by name.
        (j.columns.length > i.columns.length || j.isUnique || j.backsConstraint || j.name < i.name),
    );
    if (!cover) continue;
    out.push({
      schema: i.schema,
      table: i.table,
      index: i.name,
      columns: i.columns,
      coveredBy: cover.name,
      bytes: i.bytes,
      dropSql: `DROP INDEX CONCURRENTLY ${quoteIdent(i.schema)}.${quoteIdent(i.name)}`,
    });
  }
  return out;
}
