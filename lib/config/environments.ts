/**
 * Any number of environments: besides the presets (dev, prod, local), `cdk.json` may declare more
 * under `context.overrides.<name>` with `"extends": "<preset or another declared environment>"`:
 *
 * ```json
 * "overrides": {
 *   "staging":   { "extends": "prod", "service": { "maxTasks": 6 } },
 *   "dev-alice": { "extends": "dev" }
 * }
 * ```
 *
 * An environment's config is its parent's config (preset, then the parent's own overrides, `-c`
 * keys included) with its own overrides merged over it; it synthesizes as `ScalableBackend-<name>`
 * with `-c envs=<name>`. Names, parents and cycles are checked here, before the schema validates
 * the merged result like a preset's.
 */
import { environmentNameProblem } from './environment-name';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The key of an environment's overrides that names its parent. */
export const EXTENDS_KEY = 'extends';

/**
 * The merged, not yet validated, config of every environment that can be resolved: each preset
 * with its overrides, and each declared environment over its parent. Problems (invalid names,
 * `extends` missing, on a preset, of an unknown parent, in a cycle; `service.image` and
 * `service.build` both set by one environment) are appended to `problems`.
 */
export function resolveEnvironmentConfigs(
  presets: Readonly<Record<string, unknown>>,
  overrides: Readonly<Record<string, JsonObject>>,
  problems: string[],
): Record<string, JsonObject> {
  const presetNames = Object.keys(presets);
  const declared = Object.keys(overrides).filter((n) => !presetNames.includes(n));
  const resolved: Record<string, JsonObject> = {};
  const failed = new Set<string>();

  for (const name of Object.keys(overrides)) {
    const problem = environmentNameProblem(name);
    if (problem) {
      problems.push(`overrides.${name}: not a valid environment name; ${problem}`);
      failed.add(name);
    }
    const parent = overrides[name][EXTENDS_KEY];
    if (presetNames.includes(name) && parent !== undefined) {
      problems.push(
        `overrides.${name}.${EXTENDS_KEY}: ${name} is a preset and extends nothing; declare a new environment instead (e.g. "${name}-2": { "extends": "${name}" })`,
      );
      failed.add(name);
    }
  }
  const allowedParents = () => [...presetNames, ...declared].join(', ');

  const resolve = (name: string, chain: string[]): JsonObject | undefined => {
    if (resolved[name]) return resolved[name];
    if (failed.has(name)) return undefined;
    const own = overrides[name] ?? {};
    if (presetNames.includes(name)) {
      return (resolved[name] = applyOwnOverrides(name, presets[name] as JsonObject, own, problems));
    }
    const parent = own[EXTENDS_KEY];
    if (parent === undefined) {
      problems.push(
        `overrides.${name}: unknown environment; declare it with "${EXTENDS_KEY}": "<parent>" (one of ${allowedParents()}), or use one of the presets: ${presetNames.join(', ')}`,
      );
      failed.add(name);
      return undefined;
    }
    if (typeof parent !== 'string' || !(presetNames.includes(parent) || declared.includes(parent))) {
      problems.push(
        `overrides.${name}.${EXTENDS_KEY}: got ${JSON.stringify(parent)}; must name a preset or a declared environment: ${allowedParents()}`,
      );
      failed.add(name);
      return undefined;
    }
    if (chain.includes(parent)) {
      const cycle = [...chain.slice(chain.indexOf(parent)), parent];
      problems.push(
        `overrides.${name}.${EXTENDS_KEY}: environments extend each other in a cycle: ${cycle.join(' -> ')}`,
      );
      for (const n of cycle) failed.add(n);
      return undefined;
    }
    const base = resolve(parent, [...chain, parent]);
    if (!base) {
      failed.add(name);
      return undefined;
    }
    const settings = { ...own };
    delete settings[EXTENDS_KEY];
    return (resolved[name] = applyOwnOverrides(name, base, settings, problems));
  };

  for (const name of [...presetNames, ...declared]) resolve(name, [name]);
  return resolved;
}

/**
 * An environment's own overrides over its base. `service.image` and `service.build` are two ways to
 * get the image: the one an environment sets replaces the other it inherits; setting both in one
 * environment is refused.
 */
function applyOwnOverrides(name: string, base: JsonObject, own: JsonObject, problems: string[]): JsonObject {
  const service = isObject(own.service) ? own.service : undefined;
  const setsImage = service?.image !== undefined && service.image !== null;
  const setsBuild = service?.build !== undefined && service.build !== null;
  if (setsImage && setsBuild) {
    problems.push(
      `${name}.service.build: service.image and service.build exclude each other in one environment: keep service.image to run a pushed image, or service.build to build the image from a Dockerfile at deploy time`,
    );
  }
  let start = base;
  if (isObject(base.service) && (setsImage || setsBuild)) {
    const inherited: JsonObject = { ...base.service };
    delete inherited[setsBuild ? 'image' : 'build'];
    start = { ...base, service: inherited };
  }
  return deepMerge(start, own);
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars replace; `null` removes the key. */
export function deepMerge(base: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete out[key];
    } else if (isObject(value)) {
      // Into {} when the base has no object here, so `null`s inside the patch unset rather than stay.
      out[key] = deepMerge(isObject(out[key]) ? (out[key] as JsonObject) : {}, value as JsonObject);
    } else {
      out[key] = value;
    }
  }
  return out;
}
