/**
 * The thin SQL layer: reads one PostgreSQL instance over a connected `pg` client and hands the
 * rows to the pure analysis. Read-only: every session is `default_transaction_read_only` with a
 * bounded `statement_timeout`, plans come from EXPLAIN without ANALYZE, and hypopg's hypothetical
 * indexes exist only in this session's memory (reset before the session ends).
 */
import type { Client } from 'pg';
import {
  AnalysisOptions,
  CandidateVerification,
  DEFAULT_ANALYSIS_OPTIONS,
  IndexStats,
  PlanOutcome,
  QueryReport,
  QuerySnapshot,
  StatementStats,
  TableStats,
  analyzeSnapshot,
} from './analysis';
import {
  createIndexSql,
  hypotheticalIndexSql,
  indexCandidatesFromPlan,
  judgeVerification,
  PlanNode,
  rootPlan,
} from './plan';
import {
  ACTIVITY_SQL,
  BUFFERS_SQL,
  EXTENSIONS_SQL,
  GENERIC_PLAN_VERSION_NUM,
  HYPOPG_CREATE_SQL,
  HYPOPG_RESET_SQL,
  INDEXES_SQL,
  SERVER_SQL,
  STATEMENTS_SINCE_SQL,
  STATEMENTS_SQL,
  TABLES_SQL,
  explainSql,
  sessionSettingsSql,
} from './sql';
import { classify, explainable } from './statement';
import { textCandidates } from './text-candidates';

/** How to enable the statistics the advisor reads, for a database that lacks them. */
export const ENABLE_PG_STAT_STATEMENTS =
  'pg_stat_statements is not available in this database. Enable it: add pg_stat_statements to ' +
  "shared_preload_libraries (on RDS: the DB parameter group, then reboot; this stack's parameter group " +
  'already does), then run CREATE EXTENSION pg_stat_statements; in the database as an administrator ' +
  "(the stack's role provisioning does this on deploy).";

/** The database cannot be analyzed as it is: the message says what to change. */
export class QueryAdvisorSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryAdvisorSetupError';
  }
}

export interface CollectOptions extends AnalysisOptions {
  /** Name of the instance in the report (`primary`, a replica's identifier, a host). */
  readonly instance: string;
  /** Upper bound of each statement of the advisor (ms). @default 5000 */
  readonly statementTimeoutMs?: number;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const iso = (v: unknown): string | undefined =>
  v instanceof Date ? v.toISOString() : v ? String(v) : undefined;

/** Apply the session settings (read-only, timeouts) on a fresh connection. */
export async function prepareSession(client: Client, statementTimeoutMs: number): Promise<void> {
  for (const sql of sessionSettingsSql(statementTimeoutMs)) await client.query(sql);
}

/** Read the statistics of one instance. Throws QueryAdvisorSetupError without pg_stat_statements. */
export async function readSnapshot(client: Client, instance: string, top: number): Promise<QuerySnapshot> {
  const extensions = new Set((await client.query<Row>(EXTENSIONS_SQL)).rows.map((r) => String(r.extname)));
  if (!extensions.has('pg_stat_statements')) throw new QueryAdvisorSetupError(ENABLE_PG_STAT_STATEMENTS);
  const server = (await client.query<Row>(SERVER_SQL)).rows[0];
  let statementRows: Row[];
  try {
    // Enough rows to find every cache candidate and plan the top ones; the share uses the total of all.
    statementRows = (await client.query<Row>(STATEMENTS_SQL, [Math.max(top, 50)])).rows;
  } catch (e) {
    if (/shared_preload_libraries/.test((e as Error).message)) {
      throw new QueryAdvisorSetupError(ENABLE_PG_STAT_STATEMENTS);
    }
    throw e;
  }
  const since = await client
    .query<Row>(STATEMENTS_SINCE_SQL)
    .then((r) => iso(r.rows[0]?.stats_reset))
    .catch(() => undefined);
  const statements: StatementStats[] = statementRows.map((r) => ({
    queryId: String(r.query_id),
    query: String(r.query),
    calls: num(r.calls),
    totalMs: num(r.total_ms),
    meanMs: num(r.mean_ms),
    maxMs: num(r.max_ms),
    rows: num(r.rows),
    blocksHit: num(r.blocks_hit),
    blocksRead: num(r.blocks_read),
  }));
  const tables: TableStats[] = (await client.query<Row>(TABLES_SQL)).rows.map((r) => ({
    schema: String(r.schema),
    name: String(r.name),
    rows: num(r.rows),
    totalBytes: num(r.total_bytes),
    seqScans: num(r.seq_scans),
    seqRowsRead: num(r.seq_rows_read),
    indexScans: num(r.index_scans),
    writes: num(r.writes),
    liveRows: num(r.live_rows),
    deadRows: num(r.dead_rows),
    ...(r.last_vacuum ? { lastVacuum: iso(r.last_vacuum) } : {}),
    ...(r.last_autovacuum ? { lastAutovacuum: iso(r.last_autovacuum) } : {}),
  }));
  const indexes: IndexStats[] = (await client.query<Row>(INDEXES_SQL)).rows.map((r) => ({
    schema: String(r.schema),
    table: String(r.table_name),
    name: String(r.name),
    columns: (r.columns as string[]) ?? [],
    method: String(r.method),
    isPartial: Boolean(r.is_partial),
    hasExpressions: Boolean(r.has_expressions),
    scans: num(r.scans),
    bytes: num(r.bytes),
    isUnique: Boolean(r.is_unique),
    isPrimary: Boolean(r.is_primary),
    backsConstraint: Boolean(r.backs_constraint),
  }));
  const buffers = (await client.query<Row>(BUFFERS_SQL)).rows[0] ?? {};
  const activity = (await client.query<Row>(ACTIVITY_SQL)).rows[0] ?? {};
  return {
    instance,
    serverVersionNum: num(server.version_num),
    inRecovery: Boolean(server.in_recovery),
    allStatementsMs: num(statementRows[0]?.all_total_ms),
    ...(since ? { statsSince: since } : {}),
    statements,
    tables,
    indexes,
    buffers: { hit: num(buffers.hit), read: num(buffers.read) },
    activity: {
      connections: num(activity.connections),
      maxConnections: num(server.max_connections),
      idleInTransaction: num(activity.idle_in_transaction),
      longestIdleInTransactionSeconds: num(activity.longest_idle_in_transaction_seconds),
      waitingOnLocks: num(activity.waiting_on_locks),
    },
    hypopg: extensions.has('hypopg'),
  };
}

/** The plan of one statement, or why there is none. */
export async function explain(
  client: Client,
  query: string,
  serverVersionNum: number,
): Promise<{ plan?: PlanNode; error?: string }> {
  if (!explainable(query)) return { error: 'not a single plannable statement' };
  const generic = serverVersionNum >= GENERIC_PLAN_VERSION_NUM;
  if (!generic && /\$\d/.test(query)) {
    return { error: 'has parameters: EXPLAIN (GENERIC_PLAN) needs PostgreSQL 16 or later' };
  }
  try {
    const { rows } = await client.query<Row>(explainSql(query.replace(/;\s*$/, ''), generic));
    return { plan: rootPlan(rows[0]['QUERY PLAN']) };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    // 42501: EXPLAIN checks the privileges of the statement, so a statistics-only role cannot plan
    // statements on tables it may not read.
    return { error: `${err.code ? `${err.code} ` : ''}${err.message ?? String(e)}`.slice(0, 200) };
  }
}

/** Read, plan the top statements, verify the candidates with hypopg where it exists, and judge. */
export async function analyzeInstance(client: Client, options: CollectOptions): Promise<QueryReport> {
  const o = { ...DEFAULT_ANALYSIS_OPTIONS, ...options };
  await prepareSession(client, options.statementTimeoutMs ?? 5000);
  const snapshot = await readSnapshot(client, options.instance, o.topStatements);
  const top = [...snapshot.statements].sort((a, b) => b.totalMs - a.totalMs).slice(0, o.topStatements);
  const plans: PlanOutcome[] = [];
  const verifications: CandidateVerification[] = [];
  for (const s of top) {
    // Utility statements (BEGIN, SET, ...) have no plan to look at.
    if (classify(s.query) === 'other') continue;
    const { plan, error } = await explain(client, s.query, snapshot.serverVersionNum);
    if (!plan) {
      // Not allowed to plan it (a statistics-only role): the simplest shapes are read from the text.
      const candidates = error?.startsWith('42501')
        ? textCandidates(s.query, snapshot.tables, snapshot.indexes, o.minTableRows)
        : [];
      plans.push({ queryId: s.queryId, candidates, error: error ?? 'no plan' });
      continue;
    }
    const candidates = indexCandidatesFromPlan(plan, snapshot.tables, snapshot.indexes, {
      minTableRows: o.minTableRows,
    });
    plans.push({ queryId: s.queryId, candidates });
    if (!snapshot.hypopg) continue;
    for (const c of candidates) {
      const v = await verifyWithHypopg(
        client,
        s.query,
        snapshot.serverVersionNum,
        plan,
        hypotheticalIndexSql(c),
      );
      if (v) verifications.push({ ...v, createSql: createIndexSql(c), queryId: s.queryId });
    }
  }
  return analyzeSnapshot(snapshot, plans, verifications, options);
}

/**
 * Plan the statement again with one hypothetical index in this session, then remove it. Returns
 * undefined when hypopg refused (the candidate then stays unverified).
 */
export async function verifyWithHypopg(
  client: Client,
  query: string,
  serverVersionNum: number,
  before: PlanNode,
  definition: string,
): Promise<{ verified: boolean; costBefore: number; costAfter: number } | undefined> {
  try {
    const created = (await client.query<Row>(HYPOPG_CREATE_SQL, [definition])).rows[0];
    const after = await explain(client, query, serverVersionNum);
    if (!after.plan) return undefined;
    const v = judgeVerification(before, after.plan, String(created.indexname));
    return { verified: v.verified, costBefore: v.costBefore, costAfter: v.costAfter };
  } catch {
    return undefined;
  } finally {
    await client.query(HYPOPG_RESET_SQL).catch(() => undefined);
  }
}
