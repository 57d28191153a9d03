import { IndexInfo } from '../../../lambda/query-advisor/plan';
import { ScannedTable, textCandidates } from '../../../lambda/query-advisor/text-candidates';

const ORDERS: ScannedTable = {
  schema: 'public',
  name: 'orders',
  rows: 200_000,
  seqScans: 80,
  seqRowsRead: 16_000_000,
};
const MIN = 10_000;

describe('index candidates from the statement text (no plan for the monitoring role)', () => {
  test('one large table read by sequential scans, a WHERE of column comparisons: equality first', () => {
    const [c] = textCandidates(
      'SELECT id FROM orders o WHERE o.created_at > $2 AND status = $1 ORDER BY id LIMIT $3',
      [ORDERS],
      [],
      MIN,
    );
    expect(c).toMatchObject({ schema: 'public', table: 'orders', columns: ['status', 'created_at'] });
    expect(c.reason).toMatch(/^read from the statement's text \(no plan for this role\): orders/);
    expect(
      textCandidates('UPDATE orders SET note = $1 WHERE reference = $2', [ORDERS], [], MIN)[0].columns,
    ).toEqual(['reference']);
  });

  test.each([
    ['a join', 'SELECT * FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = $1'],
    ['an OR', 'SELECT * FROM orders WHERE a = $1 OR b = $2'],
    ['a function of a column', 'SELECT * FROM orders WHERE lower(reference) = $1'],
    ['a subquery', 'SELECT * FROM orders WHERE id = (SELECT max(id) FROM orders)'],
    ['two tables in FROM', 'SELECT * FROM orders, customers WHERE orders.customer_id = $1'],
    ['another table’s column', 'SELECT * FROM orders o WHERE c.id = $1'],
    ['a table without sequential scans', 'SELECT * FROM products WHERE category = $1'],
  ])('nothing for %s', (_name, sql) => {
    const products: ScannedTable = {
      schema: 'public',
      name: 'products',
      rows: 50_000,
      seqScans: 0,
      seqRowsRead: 0,
    };
    expect(textCandidates(sql, [ORDERS, products], [], MIN)).toEqual([]);
  });

  test('nothing when an index already leads with the columns, or the table is small', () => {
    const index: IndexInfo = {
      schema: 'public',
      table: 'orders',
      name: 'orders_reference_idx',
      columns: ['reference'],
      method: 'btree',
      isPartial: false,
      hasExpressions: false,
    };
    expect(textCandidates('SELECT * FROM orders WHERE reference = $1', [ORDERS], [index], MIN)).toEqual([]);
    expect(
      textCandidates('SELECT * FROM orders WHERE reference = $1', [{ ...ORDERS, rows: 5000 }], [], MIN),
    ).toEqual([]);
  });
});
