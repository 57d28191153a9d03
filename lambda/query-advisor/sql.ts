/**
 * The SQL of the query advisor: plain read-only statements over PostgreSQL's statistics views and
 * catalogs, run by a role that holds `pg_monitor` and nothing else (it reads every statistics view,
 * pg_stat_statements of every user included, and no table data). Kept apart from the analysis
 * (analysis.ts, plan.ts) so that both can be read and tested on their own.
 */

/** Whether pg_stat_statements is installed in the current database, and hypopg. */
export const EXTENSIONS_SQL = `
SELECT /* query-advisor */ extname, extversion FROM pg_extension WHERE extname IN ('pg_stat_statements', 'hypopg')`;

/** Server version (e.g. 170010) and the connection limit. */
export const SERVER_SQL = `
SELECT /* query-advisor */ current_setting('server_version_num')::int AS version_num,
       current_setting('max_connections')::int AS max_connections,
       current_database() AS database,
       pg_is_in_recovery() AS in_recovery`;

/**
 * Marker in every statement the advisor sends, so its own statements (which pg_stat_statements
 * records too, whoever runs them) stay out of its report.
 */
export const MARKER = '/* query-advisor */';

/**
 * Statements of the current database by total execution time ($1: how many), with the total over
 * all statements for the share. Top-level statements only (PostgreSQL 14+), so a function's inner
 * statements are not counted twice; the advisor's own statements (with the marker) are left out.
 */
export const STATEMENTS_SQL = `
WITH /* query-advisor */ s AS (
  SELECT s.queryid, s.query, s.calls, s.total_exec_time, s.mean_exec_time, s.max_exec_time, s.rows,
         s.shared_blks_hit, s.shared_blks_read
    FROM pg_stat_statements s
   WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND s.toplevel
     AND s.query NOT LIKE '%/* query-advisor */%'
)
SELECT queryid::text AS query_id, query, calls::float8 AS calls, total_exec_time::float8 AS total_ms,
       mean_exec_time::float8 AS mean_ms, max_exec_time::float8 AS max_ms, rows::float8 AS rows,
       shared_blks_hit::float8 AS blocks_hit, shared_blks_read::float8 AS blocks_read,
       (SELECT coalesce(sum(total_exec_time), 0) FROM s)::float8 AS all_total_ms
  FROM s
 ORDER BY total_exec_time DESC
 LIMIT $1`;

/** Since when pg_stat_statements has been counting (PostgreSQL 14+). */
export const STATEMENTS_SINCE_SQL = `SELECT /* query-advisor */ stats_reset FROM pg_stat_statements_info`;

/** User tables with their size, scans, writes, dead tuples and vacuum times. */
export const TABLES_SQL = `
SELECT /* query-advisor */ t.relid::int AS relid, t.schemaname AS schema, t.relname AS name,
       greatest(c.reltuples, t.n_live_tup)::float8 AS rows,
       pg_total_relation_size(t.relid)::float8 AS total_bytes,
       coalesce(t.seq_scan, 0)::float8 AS seq_scans, coalesce(t.seq_tup_read, 0)::float8 AS seq_rows_read,
       coalesce(t.idx_scan, 0)::float8 AS index_scans,
       (t.n_tup_ins + t.n_tup_upd + t.n_tup_del)::float8 AS writes,
       t.n_live_tup::float8 AS live_rows, t.n_dead_tup::float8 AS dead_rows,
       greatest(t.last_autovacuum, t.last_vacuum) AS last_vacuum,
       t.last_autovacuum AS last_autovacuum
  FROM pg_stat_user_tables t JOIN pg_class c ON c.oid = t.relid`;

/** User indexes with their columns (names in key order), usage, size and what makes them special. */
export const INDEXES_SQL = `
SELECT /* query-advisor */ i.relid::int AS table_relid, i.schemaname AS schema, i.relname AS table_name, i.indexrelname AS name,
       coalesce(i.idx_scan, 0)::float8 AS scans, pg_relation_size(i.indexrelid)::float8 AS bytes,
       x.indisunique AS is_unique, x.indisprimary AS is_primary,
       (x.indexprs IS NOT NULL) AS has_expressions, (x.indpred IS NOT NULL) AS is_partial,
       am.amname AS method,
       array(SELECT a.attname::text FROM unnest(x.indkey[0:x.indnkeyatts - 1]) WITH ORDINALITY k(attnum, n)
              JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
             ORDER BY k.n) AS columns,
       EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = x.indexrelid) AS backs_constraint
  FROM pg_stat_user_indexes i
  JOIN pg_index x ON x.indexrelid = i.indexrelid
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_am am ON am.oid = ic.relam`;

/** Shared-buffer hit ratio of the current database since its statistics were reset. */
export const BUFFERS_SQL = `
SELECT /* query-advisor */ blks_hit::float8 AS hit, blks_read::float8 AS read
  FROM pg_stat_database WHERE datname = current_database()`;

/** Sessions (the advisor's own left out): idle in transaction, waiting on a lock, the total. */
export const ACTIVITY_SQL = `
SELECT /* query-advisor */ count(*)::int AS connections,
       count(*) FILTER (WHERE state IN ('idle in transaction', 'idle in transaction (aborted)'))::int AS idle_in_transaction,
       coalesce(extract(epoch FROM max(now() - state_change)
                FILTER (WHERE state IN ('idle in transaction', 'idle in transaction (aborted)'))), 0)::float8
         AS longest_idle_in_transaction_seconds,
       count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS waiting_on_locks
  FROM pg_stat_activity
 WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`;

/**
 * EXPLAIN of a normalized statement: the plan the planner would choose for any parameter values,
 * never executed (no ANALYZE). GENERIC_PLAN exists since PostgreSQL 16.
 */
export function explainSql(statement: string, generic: boolean): string {
  return `EXPLAIN ${MARKER} (FORMAT JSON${generic ? ', GENERIC_PLAN' : ''}) ${statement}`;
}

/** PostgreSQL's first version with EXPLAIN (GENERIC_PLAN). */
export const GENERIC_PLAN_VERSION_NUM = 160000;

/**
 * hypopg: a hypothetical index lives in the memory of this session only; the planner sees it in a
 * plain EXPLAIN and nothing is written to the database (github.com/HypoPG/hypopg, README).
 */
export const HYPOPG_CREATE_SQL = `SELECT ${MARKER} indexrelid, indexname FROM hypopg_create_index($1)`;
export const HYPOPG_RESET_SQL = `SELECT ${MARKER} hypopg_reset()`;

/** Session settings of every advisor connection: read-only, bounded, named in pg_stat_activity. */
export function sessionSettingsSql(statementTimeoutMs: number): string[] {
  if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs <= 0) {
    throw new Error(`statement timeout must be a positive number of milliseconds, got ${statementTimeoutMs}`);
  }
  return [
    `SET ${MARKER} statement_timeout = ${statementTimeoutMs}`,
    `SET ${MARKER} lock_timeout = ${Math.min(statementTimeoutMs, 1000)}`,
    `SET ${MARKER} default_transaction_read_only = on`,
    `SET ${MARKER} application_name = 'query-advisor'`,
  ];
}
