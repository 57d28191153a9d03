/**
 * The one way the small command-line tools in `bin/` (advisor, plan, review, task) parse arguments,
 * print errors and write `--json`:
 * - arguments: `parseCliArgs` takes a table of flags and options and returns them with the positionals;
 *   an unknown option, a missing value or `--help` is a `CliError` carrying the usage text;
 * - errors: a `CliError` is printed as one line (plus the usage where it helps) on stderr, exit 1 (2 for
 *   usage mistakes, 0 for `--help`, which prints to stdout); anything else is one line too, with the
 *   stack only when `DEBUG` is set;
 * - `--json`: stdout holds only the JSON document (`printJson`); every message goes to stderr (`say`);
 * - environments: `resolveTarget` takes an environment name (`prod`, `staging`) or its stack name
 *   (`ScalableBackend-prod`) and returns both;
 * - region: `resolveRegion` reads it like the AWS CLI (`--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`,
 *   the profile's `region` in the config file); none is the one-line {@link NO_REGION_MESSAGE}.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ParseArgsConfig, parseArgs } from 'util';
import { STACK_NAME_PREFIX, environmentNameProblem } from '../lib/config/environment-name';

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

/**
 * Parse argv against `spec` with `node:util` `parseArgs` (strict: an unknown option, a missing value
 * or a value given to a switch is a usage error, exit 2); `--` ends the options (everything after it
 * is positional). Short aliases must be one letter (`-c`).
 */
export function parseCliArgs(argv: readonly string[], spec: CliSpec): ParsedCliArgs {
  const options: ParseArgsConfig['options'] = {};
  const shortOf = (name: string) => Object.entries(spec.aliases ?? {}).find(([, long]) => long === name)?.[0];
  const declare = (name: string, type: 'boolean' | 'string', multiple: boolean) => {
    const short = shortOf(name);
    options[name] = { type, multiple, ...(short ? { short } : {}) };
  };
  for (const f of spec.flags ?? []) declare(f, 'boolean', false);
  for (const o of spec.options ?? []) declare(o, 'string', false);
  for (const r of spec.repeatable ?? []) declare(r, 'string', true);
  if (!('help' in options)) options.help = { type: 'boolean', short: 'h' };

  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError(`${explainParseError(argv, options, e)}\n\n${spec.usage}`, 2);
  }
  if (parsed.values.help === true) throw new CliError(spec.usage, 0);
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  return {
    positionals: parsed.positionals,
    flags: Object.fromEntries((spec.flags ?? []).map((f) => [f, values[f] === true])),
    options: Object.fromEntries(
      (spec.options ?? []).filter((o) => values[o] !== undefined).map((o) => [o, values[o] as string]),
    ),
    repeated: Object.fromEntries((spec.repeatable ?? []).map((r) => [r, (values[r] as string[]) ?? []])),
  };
}

/** parseArgs' error in the tools' words, naming the argument (parseArgs' own text is several lines). */
function explainParseError(argv: readonly string[], options: ParseArgsConfig['options'], e: unknown): string {
  // A lenient pass yields the tokens, so the message can name the exact argument at fault.
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  for (const t of tokens ?? []) {
    if (t.kind !== 'option') continue;
    const declared = options?.[t.name];
    const shown = t.inlineValue ? `${t.rawName}=${t.value}` : t.rawName;
    if (!declared) return `unknown option ${t.rawName}`;
    if (declared.type === 'boolean' && t.value !== undefined)
      return `${t.rawName} takes no value (got ${shown})`;
    if (declared.type === 'string' && (t.value === undefined || (!t.inlineValue && /^-./.test(t.value)))) {
      return `${t.rawName} needs a value`;
    }
  }
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/** An environment and the stack it deploys as. */
export interface CliTarget {
  readonly env: string;
  readonly stackName: string;
}

/**
 * The environment a tool works on, from the name the user typed: an environment (`prod`, `staging`,
 * `dev-alice`) or its stack (`ScalableBackend-prod`). A malformed name is a usage error.
 */
export function resolveTarget(arg: string, usage: string): CliTarget {
  const env = arg.startsWith(STACK_NAME_PREFIX) ? arg.slice(STACK_NAME_PREFIX.length) : arg;
  const problem = environmentNameProblem(env);
  if (problem) throw new CliError(`not an environment or stack name: ${arg} (${problem})\n\n${usage}`, 2);
  return { env, stackName: `${STACK_NAME_PREFIX}${env}` };
}

/** What a tool prints when no region is configured anywhere (instead of an SDK hostname error). */
export const NO_REGION_MESSAGE =
  'No AWS region: pass --region <region>, set AWS_REGION, or set a region in your AWS profile (aws configure set region <region>).';

/** Where the region came from, for messages such as "stack not found in eu-west-1 (from AWS_REGION)". */
export interface ResolvedRegion {
  readonly region: string;
  readonly source: string;
}

/**
 * The region as the AWS CLI resolves it: the command line, then `AWS_REGION` (which overrides
 * `AWS_DEFAULT_REGION` and the profile, https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html),
 * then `AWS_DEFAULT_REGION`, then `region` of the profile `AWS_PROFILE` (or `default`) in the config
 * file (`AWS_CONFIG_FILE`, default ~/.aws/config). An empty variable counts as unset. No region is a
 * CliError with {@link NO_REGION_MESSAGE}.
 */
export function resolveRegion(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  readFile: (file: string) => string | undefined = readIfExists,
): ResolvedRegion {
  const set = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);
  if (set(flag)) return { region: set(flag)!, source: '--region' };
  if (set(env.AWS_REGION)) return { region: set(env.AWS_REGION)!, source: 'AWS_REGION' };
  if (set(env.AWS_DEFAULT_REGION))
    return { region: set(env.AWS_DEFAULT_REGION)!, source: 'AWS_DEFAULT_REGION' };
  const profile = set(env.AWS_PROFILE) ?? 'default';
  const file = set(env.AWS_CONFIG_FILE) ?? path.join(env.HOME ?? os.homedir(), '.aws', 'config');
  const text = readFile(file);
  const region = text === undefined ? undefined : profileSetting(text, profile, 'region');
  if (region) return { region, source: `profile ${profile} in ${file}` };
  throw new CliError(NO_REGION_MESSAGE);
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * One top-level setting of a profile in an AWS config file: `[default]` or `[profile <name>]`
 * (`[profile default]` also names the default profile); indented lines are nested settings.
 */
export function profileSetting(text: string, profile: string, key: string): string | undefined {
  let inProfile = false;
  let found: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const section = /^\s*\[\s*([^\]]+?)\s*\]\s*$/.exec(line);
    if (section) {
      const name = section[1].replace(/^profile\s+/, '');
      inProfile = name === profile && (section[1].startsWith('profile ') || name === 'default');
      continue;
    }
    if (!inProfile || /^\s/.test(line)) continue;
    const m = /^([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && m[1] === key && m[2] !== '') found = m[2];
  }
  return found;
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

/** What an AWS SDK failure says about the caller's setup, when it says something a person can fix. */
export type AwsErrorKind = 'credentials' | 'expired' | 'region' | 'denied';

/**
 * Which of the SDK's setup failures `e` is: no credentials, expired credentials, no region, or a
 * permission the caller lacks. Each tool turns the kind into its own instructions (what it needs).
 */
export function awsErrorKind(e: unknown): AwsErrorKind | undefined {
  const err = e as { name?: string; message?: string };
  const name = err?.name ?? '';
  const message = err?.message ?? String(e);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message))
    return 'credentials';
  if (/ExpiredToken/i.test(name) || /expired/i.test(message)) return 'expired';
  if (/Region is missing/i.test(message)) return 'region';
  if (/AccessDenied|UnauthorizedOperation|not authorized/i.test(`${name} ${message}`)) return 'denied';
  return undefined;
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
