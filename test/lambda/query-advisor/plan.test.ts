import {
  comparisons,
  createIndexSql,
  hypotheticalIndexSql,
  IndexInfo,
  indexCandidatesFromPlan,
  judgeVerification,
  rootPlan,
  TableInfo,
} from '../../../lambda/query-advisor/plan';
import { FILTER_PLAN, FILTER_PLAN_WITH_HYPOTHETICAL_INDEX, HASH_JOIN_PLAN, JOIN_PLAN } from './plans';

const TABLES: TableInfo[] = [
  { schema: 'public', name: 'orders', rows: 200_000 },
  { schema: 'public', name: 'customers', rows: 20_000 },
];
const OPTIONS = { minTableRows: 10_000 };
const btree = (table: string, columns: string[], extra: Partial<IndexInfo> = {}): IndexInfo => ({
  schema: 'public',
  table,
  name: `${table}_${columns.join('_')}_idx`,
  columns,
  method: 'btree',
  isPartial: false,
  hasExpressions: false,
  ...extra,
});

describe('comparisons of a condition as EXPLAIN prints it', () => {
  test.each([
    ['(reference = $1)', [{ left: { column: 'reference' }, operator: '=' }]],
    [
      '(o.customer_id = c.id)',
      [
        {
          left: { qualifier: 'o', column: 'customer_id' },
          operator: '=',
          right: { qualifier: 'c', column: 'id' },
        },
      ],
    ],
    ["((email)::text = 'x'::text)", [{ left: { column: 'email' }, operator: '=' }]],
    [
      "((status = 'paid'::text) AND (created_at > $2))",
      [
        { left: { column: 'status' }, operator: '=' },
        { left: { column: 'created_at' }, operator: '>' },
      ],
    ],
    ['("Order Ref" = $1)', [{ left: { column: 'Order Ref' }, operator: '=' }]],
    ['(lower(email) = $1)', []],
  ])('%s', (condition, expected) => {
    expect(comparisons(condition)).toEqual(expected);
  });
});

describe('index candidates from a plan', () => {
  test('a sequential scan of a large table filtered on a column: an index on that column', () => {
    expect(indexCandidatesFromPlan(rootPlan(FILTER_PLAN), TABLES, [], OPTIONS)).toEqual([
      {
        schema: 'public',
        table: 'orders',
        columns: ['reference'],
        reason: 'Seq Scan on orders (about 200000 rows) filtered by (reference = $1)',
      },
    ]);
  });

  test('the join on an unindexed foreign key, through the nested loop filter', () => {
    const [c] = indexCandidatesFromPlan(rootPlan(JOIN_PLAN), TABLES, [], OPTIONS);
    expect(c.columns).toEqual(['customer_id']);
  });

  test('a hash join to a large table from a side a tenth its size: the large side’s join column', () => {
    const found = indexCandidatesFromPlan(rootPlan(HASH_JOIN_PLAN), TABLES, [], OPTIONS);
    expect(found.map((c) => [c.table, c.columns])).toEqual([
      ['orders', ['customer_id']],
      ['customers', ['email']],
    ]);
    expect(found[0].reason).toContain('joined by (o.customer_id = c.id) to about 12 rows');
  });

  test('equality columns first, then one range column', () => {
    const plan = {
      'Node Type': 'Seq Scan',
      'Relation Name': 'orders',
      Schema: 'public',
      Alias: 'orders',
      Filter: "((created_at > $2) AND (total < $3) AND (status = 'paid'::text))",
    };
    expect(indexCandidatesFromPlan(plan, TABLES, [], OPTIONS)[0].columns).toEqual(['status', 'created_at']);
  });

  test('nothing for a small table, an OR filter, or columns an index already leads with', () => {
    expect(indexCandidatesFromPlan(rootPlan(FILTER_PLAN), TABLES, [], { minTableRows: 500_000 })).toEqual([]);
    const or = {
      'Node Type': 'Seq Scan',
      'Relation Name': 'orders',
      Schema: 'public',
      Filter: '((a = $1) OR (b = $2))',
    };
    expect(indexCandidatesFromPlan(or, TABLES, [], OPTIONS)).toEqual([]);
    expect(
      indexCandidatesFromPlan(rootPlan(FILTER_PLAN), TABLES, [btree('orders', ['reference', 'id'])], OPTIONS),
    ).toEqual([]);
    // A partial index or an expression index does not count as covering.
    const partial = btree('orders', ['reference'], { isPartial: true });
    expect(indexCandidatesFromPlan(rootPlan(FILTER_PLAN), TABLES, [partial], OPTIONS)).toHaveLength(1);
  });

  test('the SQL the user runs builds the index concurrently; hypopg gets a plain definition', () => {
    const c = { schema: 'public', table: 'orders', columns: ['customer_id', 'created_at'] };
    expect(createIndexSql(c)).toBe(
      'CREATE INDEX CONCURRENTLY "orders_customer_id_created_at_idx" ON "public"."orders" ("customer_id", "created_at")',
    );
    expect(hypotheticalIndexSql(c)).toBe('CREATE INDEX ON "public"."orders" ("customer_id", "created_at")');
    const long = createIndexSql({ schema: 'public', table: 'x'.repeat(60), columns: ['a'] });
    expect(/"(x+_idx)"/.exec(long)![1]).toHaveLength(63);
  });
});

describe('hypopg verification', () => {
  test('verified when the planner uses the hypothetical index and the cost drops', () => {
    expect(
      judgeVerification(
        rootPlan(FILTER_PLAN),
        rootPlan(FILTER_PLAN_WITH_HYPOTHETICAL_INDEX),
        '<16421>btree_orders_reference',
      ),
    ).toEqual({ verified: true, costBefore: 4337.43, costAfter: 8.44, usesIndex: true });
  });

  test('not verified when the planner keeps the sequential scan', () => {
    const v = judgeVerification(
      rootPlan(FILTER_PLAN),
      rootPlan(FILTER_PLAN),
      '<16421>btree_orders_reference',
    );
    expect(v).toMatchObject({ verified: false, usesIndex: false });
  });

  test('rootPlan refuses what is not EXPLAIN (FORMAT JSON) output', () => {
    expect(() => rootPlan([{}])).toThrow('not the output of EXPLAIN (FORMAT JSON): no Plan');
    expect(rootPlan(JSON.stringify(FILTER_PLAN))['Node Type']).toBe('Gather');
  });
});
