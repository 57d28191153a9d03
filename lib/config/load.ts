import { z } from 'zod';
import { followDependentDefaults, isSetIn } from './dependent-defaults';
import { environmentNameProblem } from './environment-name';
import {
  EXTENDS_KEY,
  Json,
  JsonObject,
  deepMerge,
  isObject,
  resolveEnvironmentConfigs,
} from './environments';
import { DEFAULT_ENVIRONMENTS, PRESETS } from './presets';
import {
  EnvironmentConfig,
  ResolvedEnvironment,
  environmentSchema,
  exclusiveSettingProblems,
  validatedEnvironmentSchema,
} from './schema';

/**
 * Turns CDK context into validated environment configs.
 *
 * Sources, in merge order (later wins):
 * 1. the preset of the environment (`lib/config/presets.ts`), or for an environment declared with
 *    `overrides.<env>.extends`, the resolved config of its parent (`environments.ts`),
 * 2. `overrides.<env>` in `cdk.json` context (an object, or a JSON string from `-c overrides=...`),
 * 3. dotted keys from the command line: `-c prod.service.maxTasks=30` (values are parsed as JSON when
 *    they parse, else taken as strings; `null` removes an optional setting).
 *
 * `-c envs=prod` (comma-separated) selects environments; without it every default preset is built.
 * Any error (unknown environment, unknown key, wrong type, out of range, inconsistent pair) throws a
 * {@link ConfigError} that names the key, the value and what is allowed, before any construct exists.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid scalable-backend configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Context keys this loader owns (besides `<env>.<path>` keys). */
export const CONTEXT_ENVS = 'envs';
export const CONTEXT_OVERRIDES = 'overrides';

export { deepMerge };

export function loadEnvironments(context: Record<string, unknown>): ResolvedEnvironment[] {
  const problems: string[] = [];
  const overrides = collectOverrides(context, problems);
  const merged = resolveEnvironmentConfigs(PRESETS, overrides, problems);
  const known = Object.keys(merged);
  const selected = parseEnvs(context[CONTEXT_ENVS], known, problems);

  // Problems with `envs`, environment names or the overrides format do not stop the key checks:
  // every selected environment that exists is still validated, so one synth lists every mistake.
  const resolved: ResolvedEnvironment[] = [];
  for (const name of selected.filter((env) => known.includes(env))) {
    // The user's own overrides of this environment: what they set, as opposed to preset values.
    const patch = overrides[name] ?? {};
    followDependentDefaults(merged[name], patch);
    const conflicts = exclusiveProblems(name, merged[name]);
    problems.push(...conflicts);
    const result = validatedEnvironmentSchema.safeParse(merged[name], { reportInput: true });
    if (!result.success) {
      problems.push(
        ...blameWhatTheUserSet(result.error.issues, patch, merged[name]).map((i) => formatIssue(name, i)),
      );
    } else if (conflicts.length === 0) {
      resolved.push({ name, config: result.data });
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return resolved;
}

/** Validate one environment's config object directly (used by tests and tools). */
export function validateEnvironment(name: string, candidate: unknown): EnvironmentConfig {
  const conflicts = exclusiveProblems(name, candidate);
  const result = validatedEnvironmentSchema.safeParse(candidate, { reportInput: true });
  const problems = [
    ...conflicts,
    ...(result.success ? [] : result.error.issues.map((i) => formatIssue(name, i))),
  ];
  if (problems.length || !result.success) throw new ConfigError(problems);
  return result.data;
}

function exclusiveProblems(env: string, candidate: unknown): string[] {
  return exclusiveSettingProblems(candidate).map((p) => `${env}.${p.path}: ${p.message}`);
}

function parseEnvs(raw: unknown, known: string[], problems: string[]): string[] {
  if (raw === undefined || raw === '') return [...DEFAULT_ENVIRONMENTS];
  const list = Array.isArray(raw)
    ? raw.map(String)
    : String(raw)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  if (list.length === 0) {
    problems.push(`envs: got ${JSON.stringify(raw)}; name at least one environment: ${known.join(', ')}`);
  }
  for (const env of list) {
    if (!known.includes(env)) {
      problems.push(`envs: got ${JSON.stringify(env)}; allowed environments: ${known.join(', ')}`);
    }
  }
  return [...new Set(list)];
}

/**
 * Overrides per environment name, from `overrides` and the dotted keys. Names are not checked against
 * the presets here: an unknown name is refused when environments are resolved (it may be declared
 * with `extends`).
 */
function collectOverrides(context: Record<string, unknown>, problems: string[]): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  let fromFile = context[CONTEXT_OVERRIDES];
  if (typeof fromFile === 'string') {
    try {
      fromFile = JSON.parse(fromFile);
    } catch {
      problems.push(`overrides: got ${JSON.stringify(fromFile)}; must be a JSON object keyed by environment`);
      fromFile = undefined;
    }
  }
  if (fromFile !== undefined) {
    if (!isObject(fromFile)) {
      problems.push(`overrides: got ${JSON.stringify(fromFile)}; must be an object keyed by environment`);
    } else {
      for (const [env, value] of Object.entries(fromFile)) {
        if (!isObject(value)) {
          problems.push(`overrides.${env}: got ${JSON.stringify(value)}; must be an object of settings`);
        } else {
          const forbidden = forbiddenKeyPaths(value, `overrides.${env}`);
          if (forbidden.length) {
            problems.push(...forbidden);
            continue;
          }
          // Kept as given, `null`s included: they unset preset values when merged over the preset.
          out[env] = structuredClone(value as JsonObject);
        }
      }
    }
  }

  // Dotted keys: `<env>.<path>`. CDK's own keys (`@aws-cdk/...`, `aws:cdk:...`) never look like this.
  // `-c <env>.extends=<parent>` declares an environment as overrides.<env>.extends does.
  const declaredByKey = Object.keys(context)
    .filter((k) => k.endsWith(`.${EXTENDS_KEY}`))
    .map((k) => k.slice(0, -EXTENDS_KEY.length - 1));
  for (const [key, raw] of Object.entries(context)) {
    const m = /^([a-z][a-z0-9-]*)\.(.+)$/.exec(key);
    if (!m) continue;
    const [, env, path] = m;
    if (environmentNameProblem(env)) {
      problems.push(
        `${key}: ${JSON.stringify(env)} is not an environment name; ${environmentNameProblem(env)}`,
      );
      continue;
    }
    if (!(env in PRESETS) && !isObject(out[env]) && !declaredByKey.includes(env)) {
      problems.push(
        `${key}: unknown environment ${JSON.stringify(env)}; allowed environments: ${Object.keys(PRESETS).join(', ')} or one declared with overrides.<name>.${EXTENDS_KEY}`,
      );
      continue;
    }
    const segments = path.split('.');
    if (segments.some((s) => s === '')) {
      problems.push(`${key}: malformed key; use <env>.<section>.<setting>, e.g. prod.service.maxTasks`);
      continue;
    }
    const forbidden = segments.find((s) => FORBIDDEN_SEGMENTS.includes(s));
    if (forbidden) {
      problems.push(`${key}: ${forbiddenMessage(forbidden)}`);
      continue;
    }
    let target = (out[env] ??= {});
    for (const seg of segments.slice(0, -1)) {
      const next = target[seg];
      target = isObject(next) ? (next as JsonObject) : (target[seg] = {});
    }
    // A value for a string setting stays a string (an account id like 012345678901 must not become a
    // number); `null` unsets any key, string settings included.
    target[segments[segments.length - 1]] =
      raw === 'null' || raw === null
        ? null
        : isStringSetting(segments) && typeof raw === 'string'
          ? unquote(raw)
          : parseValue(raw);
  }
  return out;
}

/**
 * Path segments that would reach `Object.prototype` through the merge (`-c dev.__proto__.x=1` would
 * otherwise set `x` on every object of the process): refused by name.
 */
const FORBIDDEN_SEGMENTS = ['__proto__', 'constructor', 'prototype'];

function forbiddenMessage(segment: string): string {
  return `the key segment ${JSON.stringify(segment)} is not allowed (${FORBIDDEN_SEGMENTS.join(', ')} are never settings; they would change every object of the process)`;
}

/** The `__proto__`/`constructor`/`prototype` keys anywhere in an overrides object, as problems. */
function forbiddenKeyPaths(value: unknown, at: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => forbiddenKeyPaths(v, `${at}.${i}`));
  if (!isObject(value)) return [];
  return Object.keys(value).flatMap((k) =>
    FORBIDDEN_SEGMENTS.includes(k)
      ? [`${at}.${k}: ${forbiddenMessage(k)}`]
      : forbiddenKeyPaths(value[k], `${at}.${k}`),
  );
}

/**
 * A rule across several keys (`params.related`) blames the key the user set: when the user set a
 * related key and not the one the rule names, the issue moves to the user's key (saying which
 * preset value it conflicts with); when a related key is itself invalid, the cross-field issue is
 * dropped (its own issue says what is wrong).
 */
function blameWhatTheUserSet(
  issues: readonly z.core.$ZodIssue[],
  patch: JsonObject,
  merged: JsonObject,
): z.core.$ZodIssue[] {
  const invalid = new Set(issues.map((i) => i.path.map(String).join('.')));
  const out: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    const related =
      (issue.code === 'custom' ? (issue.params?.related as string[][] | undefined) : undefined) ?? [];
    if (related.length === 0 || isSetIn(patch, issue.path as (string | number)[])) {
      out.push(issue);
      continue;
    }
    if (related.some((r) => invalid.has(r.join('.')))) continue;
    const userKey = related.find((r) => isSetIn(patch, r));
    if (!userKey) {
      out.push(issue);
      continue;
    }
    const primary = issue.path.map(String).join('.');
    out.push({
      ...issue,
      path: userKey,
      input: valueAt(merged, userKey),
      message: `conflicts with ${primary} (${JSON.stringify(issue.input)}, not set by you), which ${issue.message}; change ${primary} with it`,
    } as z.core.$ZodIssue);
  }
  return out;
}

function valueAt(obj: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, seg) => (isObject(node) ? node[seg] : undefined), obj);
}

/** A string setting's value as typed, or the string inside a JSON string literal (`'"destroy"'`). */
function unquote(raw: string): string {
  if (!/^".*"$/.test(raw)) return raw;
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'string' ? parsed : raw;
  } catch {
    return raw;
  }
}

function parseValue(raw: unknown): Json {
  if (typeof raw !== 'string') return raw as Json;
  try {
    return JSON.parse(raw) as Json;
  } catch {
    return raw;
  }
}

function formatIssue(env: string, issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  const where = path ? `${env}.${path}` : env;
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(issue.path.map(String));
    return issue.keys
      .map((k) => `${where}.${k}: unknown key; allowed keys here: ${allowed.join(', ')}`)
      .join('\n  - ');
  }
  if (issue.code === 'invalid_key') {
    // A key of a map (tags, service.environment): name the map, the key and the key's rule.
    const map = [env, ...issue.path.slice(0, -1).map(String)].join('.');
    const rules = issue.issues.map((i) => i.message.replace(/^Invalid input: /, '')).join('; ');
    return `${map}: got the key ${JSON.stringify(issue.path[issue.path.length - 1])}; ${rules}`;
  }
  const missing = !('input' in issue) || issue.input === undefined;
  if (missing && issue.code === 'invalid_type') {
    // `null` unsets a key; on a key without a default that leaves nothing.
    return `${where}: got nothing; is required (expected ${issue.expected}): it has no default, so it cannot be unset with null`;
  }
  const got = missing ? 'nothing' : JSON.stringify(issue.input);
  return `${where}: got ${got}; ${issue.message.replace(/^Invalid input: /, '')}`;
}

/**
 * Whether the key at `path` takes a string: a string, a choice of strings (`minimumTlsVersion=1.3`)
 * or a value of a string map (`service.environment.WORKERS=4`, `tags.costcenter=1234`). Such a
 * value from `-c` stays the string the user typed.
 */
function isStringSetting(path: string[]): boolean {
  let node: z.ZodType | undefined = environmentSchema;
  for (const seg of path) {
    if (!node) return false;
    node = unwrap(node);
    node =
      node instanceof z.ZodRecord
        ? (node.valueType as z.ZodType)
        : (objectShape(node)?.[seg] as z.ZodType | undefined);
  }
  if (!node) return false;
  node = unwrap(node);
  return (
    node instanceof z.ZodString ||
    (node instanceof z.ZodEnum && (node.options as unknown[]).every((o) => typeof o === 'string'))
  );
}

function unwrap(node: z.ZodType): z.ZodType {
  let n = node;
  while (n instanceof z.ZodOptional || n instanceof z.ZodDefault) n = n.unwrap() as z.ZodType;
  return n;
}

/** The keys the schema accepts at a path, for "did you mean" style messages. */
export function allowedKeysAt(path: string[]): string[] {
  let node: z.ZodType = environmentSchema;
  for (const seg of path) {
    const shape = objectShape(node);
    if (!shape || !(seg in shape)) return [];
    node = shape[seg];
  }
  const shape = objectShape(node);
  return shape ? Object.keys(shape) : [];
}

function objectShape(node: z.ZodType): Record<string, z.ZodType> | undefined {
  let n: z.ZodType = node;
  // Unwrap optional/default wrappers.
  while (n instanceof z.ZodOptional || n instanceof z.ZodDefault) n = n.unwrap() as z.ZodType;
  return n instanceof z.ZodObject ? (n.shape as Record<string, z.ZodType>) : undefined;
}
