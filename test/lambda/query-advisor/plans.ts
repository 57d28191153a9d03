/**
 * Plans in the shape `EXPLAIN (FORMAT JSON, GENERIC_PLAN)` prints them on PostgreSQL 17 for the
 * integration workload (test/integration/query-advisor.integration.test.ts), trimmed to the fields
 * the advisor reads. The hypothetical-index plan has the shape hypopg gives: an Index Scan whose
 * index name is `<oid>btree_<table>_<columns>` (github.com/HypoPG/hypopg, README).
 */

/** SELECT id, total FROM orders WHERE reference = $1 */
export const FILTER_PLAN = [
  {
    Plan: {
      'Node Type': 'Gather',
      'Total Cost': 4337.43,
      'Plan Rows': 1,
      Plans: [
        {
          'Node Type': 'Seq Scan',
          'Parent Relationship': 'Outer',
          'Relation Name': 'orders',
          Schema: 'public',
          Alias: 'orders',
          'Total Cost': 3337.33,
          'Plan Rows': 1,
          Filter: '(reference = $1)',
        },
      ],
    },
  },
];

/** The same statement with the hypothetical index on orders (reference). */
export const FILTER_PLAN_WITH_HYPOTHETICAL_INDEX = [
  {
    Plan: {
      'Node Type': 'Index Scan',
      'Scan Direction': 'Forward',
      'Index Name': '<16421>btree_orders_reference',
      'Relation Name': 'orders',
      Schema: 'public',
      Alias: 'orders',
      'Total Cost': 8.44,
      'Plan Rows': 1,
      'Index Cond': '(reference = $1)',
    },
  },
];

/** SELECT o.id, o.total FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = $1 */
export const JOIN_PLAN = [
  {
    Plan: {
      'Node Type': 'Nested Loop',
      'Total Cost': 4391.95,
      'Plan Rows': 10,
      Plans: [
        {
          'Node Type': 'Index Only Scan',
          'Index Name': 'customers_pkey',
          'Relation Name': 'customers',
          Schema: 'public',
          Alias: 'c',
          'Total Cost': 8.3,
          'Plan Rows': 1,
          'Index Cond': '(id = $1)',
        },
        {
          'Node Type': 'Seq Scan',
          'Relation Name': 'orders',
          Schema: 'public',
          Alias: 'o',
          'Total Cost': 4383.55,
          'Plan Rows': 10,
          Filter: '(customer_id = $1)',
        },
      ],
    },
  },
];

/** A hash join of a small filtered table to a large one on an unindexed column. */
export const HASH_JOIN_PLAN = [
  {
    Plan: {
      'Node Type': 'Hash Join',
      'Total Cost': 5210.1,
      'Plan Rows': 120,
      'Hash Cond': '(o.customer_id = c.id)',
      Plans: [
        {
          'Node Type': 'Seq Scan',
          'Relation Name': 'orders',
          Schema: 'public',
          Alias: 'o',
          'Total Cost': 3087.0,
          'Plan Rows': 200000,
        },
        {
          'Node Type': 'Hash',
          'Plan Rows': 12,
          Plans: [
            {
              'Node Type': 'Seq Scan',
              'Relation Name': 'customers',
              Schema: 'public',
              Alias: 'c',
              'Total Cost': 400,
              'Plan Rows': 12,
              Filter: "((email)::text = 'x'::text)",
            },
          ],
        },
      ],
    },
  },
];
