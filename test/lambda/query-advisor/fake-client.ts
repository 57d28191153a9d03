import type { Client } from 'pg';
import { FILTER_PLAN, FILTER_PLAN_WITH_HYPOTHETICAL_INDEX } from './plans';

export const FILTER_SQL = 'SELECT id, total FROM orders WHERE reference = $1';
export const HOT_READ_SQL = 'SELECT category, count(*) FROM products GROUP BY category';

/**
 * A stand-in for a `pg` client connected to a database with pg_stat_statements and hypopg: it
 * answers the advisor's SQL by pattern with the rows PostgreSQL would return, plans the filter
 * statement with a sequential scan, and with an Index Scan once a hypothetical index exists.
 */
export function fakeClient(options: { hypopg: boolean; hypopgUsed?: boolean }) {
  const sent: { sql: string; params?: unknown[] }[] = [];
  let hypothetical = false;
  const rows = (r: unknown[]) => Promise.resolve({ rows: r });
  const client = {
    query: (sql: string, params?: unknown[]) => {
      sent.push({ sql, ...(params ? { params } : {}) });
      if (/FROM pg_extension/.test(sql)) {
        return rows([{ extname: 'pg_stat_statements' }, ...(options.hypopg ? [{ extname: 'hypopg' }] : [])]);
      }
      if (/current_setting\('server_version_num'\)/.test(sql)) {
        return rows([{ version_num: 170010, max_connections: 100, database: 'shop', in_recovery: false }]);
      }
      if (/FROM pg_stat_statements s/.test(sql)) {
        return rows([
          {
            query_id: '1',
            query: FILTER_SQL,
            calls: 40,
            total_ms: 2400,
            mean_ms: 60,
            max_ms: 90,
            rows: 40,
            blocks_hit: 10,
            blocks_read: 0,
            all_total_ms: 4000,
          },
          {
            query_id: '2',
            query: HOT_READ_SQL,
            calls: 400,
            total_ms: 1400,
            mean_ms: 3.5,
            max_ms: 9,
            rows: 16000,
            blocks_hit: 10,
            blocks_read: 0,
            all_total_ms: 4000,
          },
          {
            query_id: '3',
            query: 'BEGIN',
            calls: 200,
            total_ms: 0.2,
            mean_ms: 0.001,
            max_ms: 0.01,
            rows: 0,
            blocks_hit: 0,
            blocks_read: 0,
            all_total_ms: 4000,
          },
        ]);
      }
      if (/pg_stat_statements_info/.test(sql))
        return rows([{ stats_reset: new Date('2026-12-06T20:00:00Z') }]);
      if (/FROM pg_stat_user_tables/.test(sql)) {
        return rows([
          {
            schema: 'public',
            name: 'orders',
            rows: 200000,
            total_bytes: 3e7,
            seq_scans: 80,
            seq_rows_read: 16e6,
            index_scans: 0,
            writes: 200000,
            live_rows: 200000,
            dead_rows: 0,
          },
        ]);
      }
      if (/FROM pg_stat_user_indexes/.test(sql)) return rows([]);
      if (/FROM pg_stat_database/.test(sql)) return rows([{ hit: 990, read: 10 }]);
      if (/FROM pg_stat_activity/.test(sql)) {
        return rows([
          {
            connections: 3,
            idle_in_transaction: 1,
            longest_idle_in_transaction_seconds: 42,
            waiting_on_locks: 0,
          },
        ]);
      }
      if (/hypopg_create_index/.test(sql)) {
        hypothetical = true;
        return rows([{ indexrelid: 16421, indexname: '<16421>btree_orders_reference' }]);
      }
      if (/hypopg_reset/.test(sql)) {
        hypothetical = false;
        return rows([{}]);
      }
      if (/^EXPLAIN /.test(sql)) {
        if (sql.includes(FILTER_SQL)) {
          const plan =
            hypothetical && options.hypopgUsed !== false ? FILTER_PLAN_WITH_HYPOTHETICAL_INDEX : FILTER_PLAN;
          return rows([{ 'QUERY PLAN': plan }]);
        }
        return rows([
          {
            'QUERY PLAN': [
              {
                Plan: {
                  'Node Type': 'HashAggregate',
                  'Total Cost': 200,
                  Plans: [
                    {
                      'Node Type': 'Seq Scan',
                      'Relation Name': 'products',
                      Schema: 'public',
                      'Plan Rows': 8000,
                    },
                  ],
                },
              },
            ],
          },
        ]);
      }
      if (/^SET /.test(sql)) return rows([]);
      return Promise.reject(new Error(`unexpected SQL: ${sql}`));
    },
  };
  return { client: client as unknown as Client, sent };
}
