/**
 * The one way the small command-line tools in `bin/` (advisor, plan, review, task) parse arguments,
 * print errors and write `--json`:
 * - arguments: `parseCliArgs` takes a table of flags and options and returns them with the positionals;
 *   an unknown option, a missing value or `--help` is a `CliError` carrying the usage text;
 * - errors: a `CliError` is printed as one line (plus the usage where it helps) on stderr, exit 1 (2 for
 *   usage mistakes, 0 for `--help`, which prints to stdout); anything else is one line too, with the
 *   stack only when `DEBUG` is set;
 * - `--json`: stdout holds only the JSON document (`printJson`); every message goes to stderr (`say`).
 */

/** A problem the user fixes (usage, credentials, a missing stack): printed without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** What a tool accepts: boolean flags, options that take one value, options that may repeat. */
export interface CliSpec {
  readonly usage: string;
  /** `--name` switches, e.g. `json`. */
  readonly flags?: readonly string[];
  /** `--name value` or `--name=value`, the last one wins. */
  readonly options?: readonly string[];
  /** `--name value` that may be given several times; collected in order. */
  readonly repeatable?: readonly string[];
  /** Short aliases, e.g. `{ c: 'context' }` makes `-c k=v` mean `--context k=v`. */
  readonly aliases?: Readonly<Record<string, string>>;
}

export interface ParsedCliArgs {
  readonly positionals: string[];
  readonly flags: Record<string, boolean>;
  readonly options: Record<string, string | undefined>;
  readonly repeated: Record<string, string[]>;
}

/** Parse argv against `spec`; `--` ends the options (everything after it is positional). */
export function parseCliArgs(argv: readonly string[], spec: CliSpec): ParsedCliArgs {
  const flags: Record<string, boolean> = Object.fromEntries((spec.flags ?? []).map((f) => [f, false]));
  const options: Record<string, string | undefined> = {};
  const repeated: Record<string, string[]> = Object.fromEntries((spec.repeatable ?? []).map((r) => [r, []]));
  const positionals: string[] = [];
  const usageError = (message: string): CliError => new CliError(`${message}\n\n${spec.usage}`, 2);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') throw new CliError(spec.usage, 0);
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const rawName = eq < 0 ? body : body.slice(0, eq);
    const name = spec.aliases?.[rawName] ?? rawName;
    const inline = eq < 0 ? undefined : body.slice(eq + 1);
    if (spec.flags?.includes(name)) {
      if (inline !== undefined) throw usageError(`--${name} takes no value (got ${arg})`);
      flags[name] = true;
      continue;
    }
    const takesValue = spec.options?.includes(name) || spec.repeatable?.includes(name);
    if (!takesValue) throw usageError(`unknown option ${arg}`);
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('-') && value !== '-')) {
      throw usageError(`${arg} needs a value`);
    }
    if (spec.repeatable?.includes(name)) repeated[name].push(value);
    else options[name] = value;
  }
  return { positionals, flags, options, repeated };
}

/**
 * `-c key=value` pairs (the CDK CLI's context syntax) as an object, for the tools that synthesize the
 * app themselves; a pair without a key and `=` is a usage error.
 */
export function parseContextPairs(pairs: readonly string[], usage: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`-c ${pair}: expected key=value\n\n${usage}`, 2);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** A message for the person at the terminal: always stderr, so `--json` output stays parseable. */
export function say(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** The one JSON document a `--json` run prints on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One line for an unexpected error: its name and message, the stack only with DEBUG set. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const name = e.name && e.name !== 'Error' ? `${e.name}: ` : '';
    return `${name}${e.message.split('\n')[0]}`;
  }
  return String(e);
}

/**
 * Run a tool's `main` and exit with its code. `explain` turns known failures (credentials, permissions)
 * into a CliError first. A CliError prints its message; anything else prints one line.
 */
export function runCli(main: () => Promise<number>, explain: (e: unknown) => unknown = (e) => e): void {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      const err = explain(e);
      if (err instanceof CliError) {
        if (err.exitCode === 0) process.stdout.write(`${err.message}\n`);
        else say(err.message);
        process.exit(err.exitCode);
      }
      say(`error: ${describeError(err)}`);
      if (process.env.DEBUG && err instanceof Error && err.stack) say(err.stack);
      process.exit(1);
    },
  );
}
