/**
 * What a normalized statement (pg_stat_statements' text, constants replaced by $n) does, judged by
 * its text alone: pg_stat_statements records neither the statement's kind nor the transaction it
 * ran in.
 */

/** `read`: a plain query; `write`: changes data or locks rows for a change; `other`: utility. */
export type StatementKind = 'read' | 'write' | 'other';

/** Comments and string literals out, whitespace collapsed, lower case: for keyword tests only. */
export function skeleton(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

const WRITE_START = /^(insert|update|delete|merge|copy\s+\S+\s+from|truncate)\b/;
const READ_START = /^(select|with|values|table)\b/;
/** A data-modifying statement inside a WITH (a writable CTE makes the whole statement a write). */
const WRITABLE_CTE = /\b(insert\s+into|update\s+\S+\s+set|delete\s+from|merge\s+into)\b/;
/**
 * Row locks (FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE) exist only for a change in the same
 * transaction: such a read is part of a write transaction and must not be served from a cache.
 */
const LOCKING_READ = /\bfor\s+(update|no\s+key\s+update|share|key\s+share)\b/;
/** Functions with side effects: the statement cannot be replaced by a cached answer. */
const SIDE_EFFECTS = /\b(nextval|setval|pg_advisory_\w*lock\w*|pg_notify|set_config|lo_\w+)\s*\(/;

export function classify(sql: string): StatementKind {
  const s = skeleton(sql);
  if (WRITE_START.test(s)) return 'write';
  if (READ_START.test(s)) {
    if (s.startsWith('with') && WRITABLE_CTE.test(s)) return 'write';
    // SELECT ... INTO <table> (before any FROM) creates a table.
    if (/^select\b(?:(?!\bfrom\b).)*\binto\s+(?!strict\b)/.test(s)) return 'write';
    return 'read';
  }
  return 'other';
}

/** Why a read is not a cache candidate even though it reads: it locks rows or has side effects. */
export function readTiedToWrite(sql: string): string | undefined {
  const s = skeleton(sql);
  if (LOCKING_READ.test(s)) return 'locks rows for a change in the same transaction (FOR UPDATE/SHARE)';
  if (SIDE_EFFECTS.test(s)) return 'calls a function with side effects';
  return undefined;
}

/**
 * Whether the advisor may EXPLAIN the text: one plannable statement (no second statement, no
 * utility command), so `EXPLAIN (...) <text>` can only ever plan it. EXPLAIN without ANALYZE never
 * executes the statement, and the advisor's sessions are read-only besides.
 */
export function explainable(sql: string): boolean {
  const s = skeleton(sql).replace(/;\s*$/, '');
  if (s.includes(';')) return false;
  if (/^explain\b/.test(s)) return false;
  if (!READ_START.test(s) && !/^(insert|update|delete|merge)\b/.test(s)) return false;
  // pg_stat_statements truncates texts longer than track_activity_query_size: nothing to plan.
  return !/\.\.\.$/.test(s) || /\)\s*$/.test(s);
}

/** One line of a statement for reports: whitespace collapsed, cut at `max` characters. */
export function shortText(sql: string, max = 120): string {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
