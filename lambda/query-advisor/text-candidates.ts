/**
 * Index candidates without a plan, for a role that may not plan the statement (PostgreSQL checks a
 * statement's privileges in EXPLAIN too, and the stack's monitoring role reads no table data). Only
 * the simplest shape is read: one table in FROM, no join, no subquery, a WHERE that is a conjunction
 * of `column <op> $n`; and only for a large table that the statistics show read by sequential scans.
 * Always unverified, and labelled as read from the statement's text.
 */
import type { IndexInfo, PlannedIndex } from './plan';
import { skeleton } from './statement';

export interface ScannedTable {
  readonly schema: string;
  readonly name: string;
  readonly rows: number;
  readonly seqScans: number;
  readonly seqRowsRead: number;
}

const IDENT = '[a-z_][a-z0-9_$]*';
const SHAPE = new RegExp(
  String.raw`^(?:select\b.*?\bfrom|update|delete\s+from)\s+(?:(${IDENT})\.)?(${IDENT})(?:\s+(?:as\s+)?(?!where\b|set\b)(${IDENT}))?(?:\s+set\s+.*?)?\s+where\s+(.*?)(?:\s+(?:order|group|limit|offset|for|returning)\b.*)?$`,
);
const TERM = new RegExp(String.raw`^\(?\s*(?:(${IDENT})\.)?(${IDENT})\s*(=|<=|>=|<|>)\s*\$\d+\s*\)?$`);

export function textCandidates(
  query: string,
  tables: readonly ScannedTable[],
  indexes: readonly IndexInfo[],
  minTableRows: number,
): PlannedIndex[] {
  const s = skeleton(query);
  if (/\bjoin\b|\(\s*select\b|\bunion\b|\bor\b/.test(s)) return [];
  const m = SHAPE.exec(s);
  if (!m) return [];
  const [, schemaName, tableName, alias, where] = m;
  if (/,/.test(s.slice(s.indexOf(tableName), s.indexOf(' where ')))) return [];
  const table = tables.find((t) => t.name === tableName && (!schemaName || t.schema === schemaName));
  if (!table || table.rows < minTableRows || table.seqScans === 0) return [];
  if (table.seqRowsRead / table.seqScans < minTableRows) return [];
  const equality: string[] = [];
  const range: string[] = [];
  for (const term of where.split(/\s+and\s+/)) {
    const t = TERM.exec(term.trim());
    if (!t) return [];
    const [, qualifier, column, op] = t;
    if (qualifier && qualifier !== alias && qualifier !== tableName) return [];
    (op === '=' ? equality : range).push(column);
  }
  const columns = [
    ...new Set(equality),
    ...[...new Set(range)].filter((c) => !equality.includes(c)).slice(0, 1),
  ];
  if (columns.length === 0) return [];
  const covered = indexes.some(
    (i) =>
      i.schema === table.schema &&
      i.table === table.name &&
      i.method === 'btree' &&
      !i.isPartial &&
      !i.hasExpressions &&
      columns.every((c, n) => i.columns[n] === c),
  );
  if (covered) return [];
  return [
    {
      schema: table.schema,
      table: table.name,
      columns,
      reason:
        `read from the statement's text (no plan for this role): ${table.name} (about ${Math.round(table.rows)} rows) ` +
        `has ${table.seqScans} sequential scans, and no index leads with ${columns.join(', ')}`,
    },
  ];
}
