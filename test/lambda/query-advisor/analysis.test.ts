import {
  analyzeSnapshot,
  findDuplicates,
  IndexStats,
  QuerySnapshot,
  StatementStats,
} from '../../../lambda/query-advisor/analysis';
import { classify, explainable, readTiedToWrite } from '../../../lambda/query-advisor/statement';

const stmt = (queryId: string, query: string, calls: number, totalMs: number): StatementStats => ({
  queryId,
  query,
  calls,
  totalMs,
  meanMs: totalMs / calls,
  maxMs: (2 * totalMs) / calls,
  rows: calls,
  blocksHit: 90,
  blocksRead: 10,
});
const index = (name: string, columns: string[], extra: Partial<IndexStats> = {}): IndexStats => ({
  schema: 'public',
  table: 'orders',
  name,
  columns,
  method: 'btree',
  isPartial: false,
  hasExpressions: false,
  scans: 5,
  bytes: 8192,
  isUnique: false,
  isPrimary: false,
  backsConstraint: false,
  ...extra,
});

function snapshot(statements: StatementStats[], indexes: IndexStats[] = []): QuerySnapshot {
  return {
    instance: 'primary',
    serverVersionNum: 170010,
    inRecovery: false,
    allStatementsMs: statements.reduce((s, x) => s + x.totalMs, 0),
    statements,
    tables: [
      {
        schema: 'public',
        name: 'orders',
        rows: 200_000,
        totalBytes: 1,
        seqScans: 50,
        seqRowsRead: 10_000_000,
        indexScans: 0,
        writes: 1234,
        liveRows: 200_000,
        deadRows: 60_000,
        lastAutovacuum: '2026-12-01T00:00:00.000Z',
      },
    ],
    indexes,
    buffers: { hit: 0, read: 0 },
    activity: {
      connections: 80,
      maxConnections: 100,
      idleInTransaction: 0,
      longestIdleInTransactionSeconds: 0,
      waitingOnLocks: 2,
    },
    hypopg: false,
  };
}

describe('statements', () => {
  test('ranked by total time, with the share of all statement time, mean, max and rows per call', () => {
    const r = analyzeSnapshot(
      snapshot([
        stmt('a', 'SELECT 1 FROM t WHERE x = $1', 10, 100),
        stmt('b', 'UPDATE t SET x = $1', 100, 300),
      ]),
      [],
      [],
    );
    expect(r.statements.map((s) => [s.queryId, s.sharePercent, s.kind, s.meanMs, s.rowsPerCall])).toEqual([
      ['b', 75, 'write', 3, 1],
      ['a', 25, 'read', 10, 1],
    ]);
    expect(r.statements[0].bufferHitPercent).toBe(90);
    expect(r.readSharePercent).toBe(25);
  });
});

describe('cache candidates', () => {
  const hot = stmt('hot', 'SELECT * FROM products WHERE category = $1', 5000, 500);
  test('a read with many calls and a meaningful share, with the time saved at the hit rate', () => {
    const r = analyzeSnapshot(snapshot([hot, stmt('x', 'UPDATE t SET a = $1', 10, 500)]), [], [], {
      cacheHitRatePercent: 90,
    });
    expect(r.cacheCandidates).toEqual([
      {
        queryId: 'hot',
        query: hot.query,
        calls: 5000,
        totalMs: 500,
        meanMs: 0.1,
        sharePercent: 50,
        hitRatePercent: 90,
        savedMs: 450,
      },
    ]);
  });

  test('not writes, not locking reads, not reads with side effects, not rare or negligible reads', () => {
    const r = analyzeSnapshot(
      snapshot([
        stmt('w', 'INSERT INTO t VALUES ($1)', 5000, 500),
        stmt('l', 'SELECT * FROM t WHERE id = $1 FOR UPDATE', 5000, 500),
        stmt('n', 'SELECT nextval($1)', 5000, 500),
        stmt('c', 'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', 5000, 500),
        stmt('rare', 'SELECT * FROM big', 10, 5000),
        stmt('tiny', 'SELECT 1', 5000, 0.5),
      ]),
      [],
      [],
    );
    expect(r.cacheCandidates).toEqual([]);
  });
});

describe('indexes and tables', () => {
  test('unused: no scan, not unique, not backing a constraint; with the writes it costs', () => {
    const r = analyzeSnapshot(
      snapshot(
        [],
        [
          index('unused', ['note'], { scans: 0, bytes: 9e6 }),
          index('pk', ['id'], { scans: 0, isPrimary: true, isUnique: true }),
          index('fk', ['c'], { scans: 0, backsConstraint: true }),
        ],
      ),
      [],
      [],
    );
    expect(r.unusedIndexes).toEqual([
      {
        schema: 'public',
        table: 'orders',
        index: 'unused',
        bytes: 9e6,
        tableWrites: 1234,
        dropSql: 'DROP INDEX CONCURRENTLY "public"."unused"',
      },
    ]);
  });

  test('duplicate: another plain B-tree index starts with the same columns', () => {
    const found = findDuplicates([
      index('a', ['customer_id']),
      index('b', ['customer_id', 'created_at']),
      index('c', ['status'], { isUnique: true }),
      index('d', ['status']),
      index('e', ['total'], { isPartial: true }),
      index('f', ['total']),
    ]);
    expect(found.map((d) => [d.index, d.coveredBy])).toEqual([
      ['a', 'b'],
      ['d', 'c'],
    ]);
  });

  test('large tables read by sequential scans and dead tuples with the last autovacuum', () => {
    const r = analyzeSnapshot(snapshot([]), [], []);
    expect(r.tables).toEqual([
      expect.objectContaining({
        table: 'orders',
        seqScans: 50,
        rowsPerSeqScan: 200_000,
        deadPercent: 30,
        notes: [
          '50 sequential scans reading about 200000 rows each',
          '60000 dead rows (30% of live); last autovacuum 2026-12-01T00:00:00.000Z',
        ],
      }),
    ]);
    expect(r.activity.connectionsPercent).toBe(80);
    expect(r.notes).toContain('2 session(s) waiting on a lock.');
  });

  test('a candidate hypopg refuted is dropped; one it confirmed carries its costs', () => {
    const s = stmt('q', 'SELECT * FROM orders WHERE a = $1', 10, 100);
    const candidates = [
      { schema: 'public', table: 'orders', columns: ['a'], reason: 'r' },
      { schema: 'public', table: 'orders', columns: ['b'], reason: 'r' },
    ];
    const r = analyzeSnapshot(
      snapshot([s]),
      [{ queryId: 'q', candidates }],
      [
        {
          queryId: 'q',
          createSql: 'CREATE INDEX CONCURRENTLY "orders_a_idx" ON "public"."orders" ("a")',
          verified: true,
          costBefore: 100,
          costAfter: 8,
        },
        {
          queryId: 'q',
          createSql: 'CREATE INDEX CONCURRENTLY "orders_b_idx" ON "public"."orders" ("b")',
          verified: false,
          costBefore: 100,
          costAfter: 100,
        },
      ],
    );
    expect(r.indexCandidates.map((c) => [c.columns, c.verified, c.costBefore, c.costAfter])).toEqual([
      [['a'], true, 100, 8],
    ]);
  });
});

describe('what a statement is, from its text', () => {
  test.each([
    ['SELECT * FROM t', 'read'],
    ['  -- comment\n select 1', 'read'],
    ['WITH x AS (SELECT 1) SELECT * FROM x', 'read'],
    ['WITH x AS (UPDATE t SET a = 1 RETURNING *) SELECT * FROM x', 'write'],
    ['SELECT a INTO new_table FROM t', 'write'],
    ["UPDATE t SET note = 'select' WHERE id = $1", 'write'],
    ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', 'write'],
    ['BEGIN', 'other'],
    ['SET search_path = x', 'other'],
  ])('%s is a %s', (sql, kind) => {
    expect(classify(sql)).toBe(kind);
  });

  test('locking reads belong to a write transaction', () => {
    expect(readTiedToWrite('SELECT * FROM t WHERE id = $1 FOR NO KEY UPDATE')).toMatch(/locks rows/);
    expect(readTiedToWrite("SELECT * FROM t WHERE note = 'for update'")).toBeUndefined();
  });

  test('only one plannable statement is ever explained', () => {
    expect(explainable('SELECT * FROM t WHERE a = $1')).toBe(true);
    expect(explainable('SELECT 1; DROP TABLE t')).toBe(false);
    expect(explainable('EXPLAIN ANALYZE SELECT 1')).toBe(false);
    expect(explainable('VACUUM t')).toBe(false);
    expect(explainable('<insufficient privilege>')).toBe(false);
  });
});
