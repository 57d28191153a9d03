/**
 * Index candidates from a plan: the JSON of `EXPLAIN (FORMAT JSON, GENERIC_PLAN)`, walked for
 * sequential scans of large tables with a filter or a join condition on columns no index leads
 * with. Pure: the plans come from collect.ts (or from a test's recording).
 */

/** The fields of a plan node (EXPLAIN FORMAT JSON) the advisor reads. */
export interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly Schema?: string;
  readonly Alias?: string;
  readonly 'Index Name'?: string;
  readonly Filter?: string;
  readonly 'Hash Cond'?: string;
  readonly 'Merge Cond'?: string;
  readonly 'Join Filter'?: string;
  readonly 'Total Cost'?: number;
  readonly 'Plan Rows'?: number;
  readonly Plans?: readonly PlanNode[];
}

/** `EXPLAIN (FORMAT JSON)` returns one row with `[{ "Plan": {...} }]`. */
export function rootPlan(explainOutput: unknown): PlanNode {
  const doc = typeof explainOutput === 'string' ? (JSON.parse(explainOutput) as unknown) : explainOutput;
  const first = Array.isArray(doc) ? (doc[0] as { Plan?: PlanNode } | undefined) : undefined;
  if (!first?.Plan || typeof first.Plan['Node Type'] !== 'string') {
    throw new Error('not the output of EXPLAIN (FORMAT JSON): no Plan');
  }
  return first.Plan;
}

/** Every node of the plan, depth first, each with its parent. */
export function* walk(node: PlanNode, parent?: PlanNode): Generator<{ node: PlanNode; parent?: PlanNode }> {
  yield { node, ...(parent ? { parent } : {}) };
  for (const child of node.Plans ?? []) yield* walk(child, node);
}

/** A column named in a condition: `qualifier` is the table's alias when the plan printed one. */
export interface ColumnRef {
  readonly qualifier?: string;
  readonly column: string;
}

/** One `left op right` comparison of a condition, with the operands that are plain columns. */
export interface Comparison {
  readonly left?: ColumnRef;
  readonly operator: string;
  readonly right?: ColumnRef;
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
/** An operand: optional opening parentheses, a column (maybe qualified) or a value, an optional cast. */
const OPERAND = String.raw`\(*(${IDENT}(?:\.${IDENT})?|\$\d+|'(?:[^']|'')*'|-?\d+(?:\.\d+)?)\)?(?:::(?:"[^"]+"|[a-z][a-z0-9_ ]*?)(?:\[\])?)?\)?`;
// Not right after a name and its parentheses: `lower(email) = $1` compares a function's result.
const COMPARISON = new RegExp(
  String.raw`(?<![A-Za-z0-9_$"]\(*)${OPERAND}\s*(=|<>|!=|<=|>=|<|>)\s*${OPERAND}`,
  'g',
);
const KEYWORDS = new Set(['and', 'or', 'not', 'null', 'true', 'false', 'any', 'all', 'some']);

function unquote(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident;
}

function columnRef(operand: string): ColumnRef | undefined {
  if (/^(\$|'|-?\d)/.test(operand)) return undefined;
  const parts = operand.match(new RegExp(IDENT, 'g')) ?? [];
  if (parts.length === 0 || parts.length > 2) return undefined;
  const column = unquote(parts[parts.length - 1]);
  if (KEYWORDS.has(column.toLowerCase())) return undefined;
  return parts.length === 2 ? { qualifier: unquote(parts[0]), column } : { column };
}

/**
 * The comparisons of a condition as EXPLAIN prints it, e.g. `((status = 'paid'::text) AND
 * (created_at > $2))` or `(o.customer_id = c.id)`. Function calls, LIKE, IN lists and other shapes
 * yield nothing: no index is proposed for what is not understood.
 */
export function comparisons(condition: string): Comparison[] {
  const out: Comparison[] = [];
  for (const m of condition.matchAll(COMPARISON)) {
    const left = columnRef(m[1]);
    const right = columnRef(m[3]);
    if (!left && !right) continue;
    out.push({ ...(left ? { left } : {}), operator: m[2], ...(right ? { right } : {}) });
  }
  return out;
}

const EQUALITY = new Set(['=']);
const RANGE = new Set(['<', '<=', '>', '>=']);
const FLIPPED: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '=': '=' };

/** A table the advisor knows from pg_stat_user_tables. */
export interface TableInfo {
  readonly schema: string;
  readonly name: string;
  /** Estimated rows (the larger of pg_class.reltuples and n_live_tup). */
  readonly rows: number;
}

/** An existing index: its table and key columns in order. */
export interface IndexInfo {
  readonly schema: string;
  readonly table: string;
  readonly name: string;
  readonly columns: readonly string[];
  readonly method: string;
  readonly isPartial: boolean;
  readonly hasExpressions: boolean;
}

/** A proposed index, before verification. */
export interface PlannedIndex {
  readonly schema: string;
  readonly table: string;
  /** Equality columns first, then at most one range column (a B-tree uses no column after a range). */
  readonly columns: readonly string[];
  /** What the plan showed, e.g. "Seq Scan on orders (200000 rows) filtered by (status = $1)". */
  readonly reason: string;
}

export interface CandidateOptions {
  /** A sequential scan matters from this many rows on. */
  readonly minTableRows: number;
}

/**
 * Candidates of one plan: each sequential scan of a table with at least `minTableRows` rows whose
 * filter compares its columns with a value (a parameter, a constant or the other side of a nested
 * loop), or that feeds a hash or merge join on its columns from a side at most a tenth its size.
 * Skipped when an existing plain B-tree index already leads with the same columns.
 */
export function indexCandidatesFromPlan(
  root: PlanNode,
  tables: readonly TableInfo[],
  indexes: readonly IndexInfo[],
  options: CandidateOptions,
): PlannedIndex[] {
  const out = new Map<string, PlannedIndex>();
  for (const { node, parent } of walk(root)) {
    if (node['Node Type'] !== 'Seq Scan' || !node['Relation Name']) continue;
    const schema = node.Schema ?? 'public';
    const table = tables.find((t) => t.name === node['Relation Name'] && t.schema === schema);
    const rows = table?.rows ?? node['Plan Rows'] ?? 0;
    if (rows < options.minTableRows) continue;
    const alias = node.Alias ?? node['Relation Name'];
    const own = (ref?: ColumnRef): string | undefined =>
      ref &&
      (ref.qualifier === undefined || ref.qualifier === alias || ref.qualifier === node['Relation Name'])
        ? ref.column
        : undefined;

    const equality: string[] = [];
    const range: string[] = [];
    const reasons: string[] = [];
    if (node.Filter && !/\bOR\b/.test(node.Filter)) {
      for (const c of comparisons(node.Filter)) {
        const [column, operator] = own(c.left)
          ? [own(c.left), c.operator]
          : own(c.right)
            ? [own(c.right), FLIPPED[c.operator] ?? c.operator]
            : [undefined, c.operator];
        // A comparison of two columns of the same row is no index key.
        if (!column || (own(c.left) && own(c.right))) continue;
        if (EQUALITY.has(operator)) equality.push(column);
        else if (RANGE.has(operator)) range.push(column);
      }
      if (equality.length + range.length > 0) reasons.push(`filtered by ${node.Filter}`);
    }
    const joinCondition = parent?.['Hash Cond'] ?? parent?.['Merge Cond'];
    if (joinCondition && parent) {
      const other = (parent.Plans ?? []).find((p) => p !== node && !containsNode(p, node));
      const otherRows = other?.['Plan Rows'] ?? Infinity;
      if (otherRows * 10 <= rows) {
        for (const c of comparisons(joinCondition)) {
          if (c.operator !== '=') continue;
          const column =
            own(c.left) && !own(c.right)
              ? own(c.left)
              : own(c.right) && !own(c.left)
                ? own(c.right)
                : undefined;
          if (column) equality.push(column);
        }
        if (equality.length > 0) reasons.push(`joined by ${joinCondition} to about ${otherRows} rows`);
      }
    }
    const columns = [
      ...new Set(equality),
      ...[...new Set(range)].filter((c) => !equality.includes(c)).slice(0, 1),
    ];
    if (columns.length === 0) continue;
    const covered = indexes.some(
      (i) =>
        i.schema === schema &&
        i.table === node['Relation Name'] &&
        i.method === 'btree' &&
        !i.isPartial &&
        !i.hasExpressions &&
        columns.every((c, n) => i.columns[n] === c),
    );
    if (covered) continue;
    const key = `${schema}.${node['Relation Name']}(${columns.join(',')})`;
    if (!out.has(key)) {
      out.set(key, {
        schema,
        table: node['Relation Name'],
        columns,
        reason: `Seq Scan on ${node['Relation Name']} (about ${Math.round(rows)} rows) ${reasons.join(', ')}`,
      });
    }
  }
  return [...out.values()];
}

function containsNode(tree: PlanNode, target: PlanNode): boolean {
  for (const { node } of walk(tree)) if (node === target) return true;
  return false;
}

/** PostgreSQL identifier quoting (as quote_ident does, always quoted). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Index name PostgreSQL would accept (63 bytes at most): `<table>_<columns>_idx`. */
export function indexName(table: string, columns: readonly string[]): string {
  const base = `${table}_${columns.join('_')}`.replace(/[^A-Za-z0-9_]/g, '_');
  return `${base.slice(0, 63 - '_idx'.length)}_idx`;
}

/** What the user runs: builds the index without blocking writes (never run by the advisor). */
export function createIndexSql(c: Pick<PlannedIndex, 'schema' | 'table' | 'columns'>): string {
  return (
    `CREATE INDEX CONCURRENTLY ${quoteIdent(indexName(c.table, c.columns))} ON ` +
    `${quoteIdent(c.schema)}.${quoteIdent(c.table)} (${c.columns.map(quoteIdent).join(', ')})`
  );
}

/** The definition hypopg takes (a plain CREATE INDEX: hypopg builds nothing, concurrently or not). */
export function hypotheticalIndexSql(c: Pick<PlannedIndex, 'schema' | 'table' | 'columns'>): string {
  return `CREATE INDEX ON ${quoteIdent(c.schema)}.${quoteIdent(c.table)} (${c.columns.map(quoteIdent).join(', ')})`;
}

/** Result of planning a statement again with one hypothetical index in the session. */
export interface Verification {
  readonly verified: boolean;
  readonly costBefore: number;
  readonly costAfter: number;
  /** Whether the new plan uses the hypothetical index (hypopg names it `<oid>btree_<table>_<cols>`). */
  readonly usesIndex: boolean;
}

/**
 * A candidate is verified when the planner, given the hypothetical index, both uses it and
 * estimates a lower total cost than without it.
 */
export function judgeVerification(
  before: PlanNode,
  after: PlanNode,
  hypotheticalIndexName: string,
): Verification {
  const costBefore = before['Total Cost'] ?? NaN;
  const costAfter = after['Total Cost'] ?? NaN;
  let usesIndex = false;
  for (const { node } of walk(after)) {
    if (node['Index Name'] === hypotheticalIndexName) usesIndex = true;
  }
  return { verified: usesIndex && costAfter < costBefore, costBefore, costAfter, usesIndex };
}
