import { analyzeInstance } from '../../../lambda/query-advisor/collect';
import { FILTER_SQL, HOT_READ_SQL, fakeClient } from './fake-client';

describe('the SQL layer with hypopg installed', () => {
  test('verifies the candidate by the planner’s cost with a hypothetical index, then resets it', async () => {
    const { client, sent } = fakeClient({ hypopg: true });
    const report = await analyzeInstance(client, { instance: 'primary', statementTimeoutMs: 3000 });
    expect(report.indexCandidates).toEqual([
      expect.objectContaining({
        table: 'orders',
        columns: ['reference'],
        createSql: 'CREATE INDEX CONCURRENTLY "orders_reference_idx" ON "public"."orders" ("reference")',
        verified: true,
        verification: 'hypopg',
        costBefore: 4337.43,
        costAfter: 8.44,
      }),
    ]);
    const sqls = sent.map((s) => s.sql);
    // hypopg got the plain definition; the statement was planned again; the session was reset.
    const create = sent.find((s) => /hypopg_create_index/.test(s.sql))!;
    expect(create.params).toEqual(['CREATE INDEX ON "public"."orders" ("reference")']);
    const i = sqls.indexOf(create.sql);
    expect(sqls[i + 1]).toMatch(
      /^EXPLAIN .*GENERIC_PLAN\) SELECT id, total FROM orders WHERE reference = \$1$/,
    );
    expect(sqls[i + 2]).toMatch(/hypopg_reset\(\)/);
    expect(report.notes.join(' ')).not.toMatch(/unverified/);
  });

  test('drops a candidate the planner would not use even if it existed', async () => {
    const { client } = fakeClient({ hypopg: true, hypopgUsed: false });
    const report = await analyzeInstance(client, { instance: 'primary' });
    expect(report.indexCandidates).toEqual([]);
  });

  test('every session is read-only with the statement timeout, and nothing is ever created or analyzed', async () => {
    const { client, sent } = fakeClient({ hypopg: false });
    const report = await analyzeInstance(client, { instance: 'primary', statementTimeoutMs: 3000 });
    const sqls = sent.map((s) => s.sql);
    expect(sqls.slice(0, 3)).toEqual([
      'SET /* query-advisor */ statement_timeout = 3000',
      'SET /* query-advisor */ lock_timeout = 1000',
      'SET /* query-advisor */ default_transaction_read_only = on',
    ]);
    expect(sqls.filter((s) => /\bANALYZE\b|^CREATE|^INSERT|^UPDATE|^DELETE|^DROP/i.test(s))).toEqual([]);
    // Utility statements are not planned; reads and writes are.
    expect(sqls.filter((s) => s.startsWith('EXPLAIN')).map((s) => s.replace(/^EXPLAIN .*?\) /, ''))).toEqual([
      FILTER_SQL,
      HOT_READ_SQL,
    ]);
    expect(report.indexCandidates[0]).toMatchObject({ verified: false, verification: 'unverified' });
    expect(report.activity).toMatchObject({ idleInTransaction: 1, connectionsPercent: 3 });
    expect(report.statsSince).toBe('2026-12-06T20:00:00.000Z');
    expect(report.bufferHitPercent).toBe(99);
  });
});
