/**
 * For every key of the schema (derived from the schema, so keys added later are covered), a value of
 * the wrong type and a value out of range fail in validation with a message naming that key.
 * Validation runs through the loader only: nothing is synthesized, so nothing can be written
 * (test/bin/synth-output.test.ts checks that a real `cdk synth` leaves no template either).
 */
import { z } from 'zod';
import { loadEnvironments } from '../../lib/config/load';
import { environmentSchema } from '../../lib/config/schema';
import { configErrorOf } from '../config-error';

interface Leaf {
  readonly path: string[];
  readonly schema: z.ZodType;
}

function unwrap(node: z.ZodType): z.ZodType {
  let n = node;
  while (n instanceof z.ZodOptional || n instanceof z.ZodDefault) n = n.unwrap() as z.ZodType;
  return n;
}

function leaves(node: z.ZodType, path: string[] = []): Leaf[] {
  const n = unwrap(node);
  if (n instanceof z.ZodObject) {
    return Object.entries(n.shape as Record<string, z.ZodType>).flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  return [{ path, schema: n }];
}

/** A value of another JSON type than the key takes. */
function wrongType(schema: z.ZodType): unknown {
  if (schema instanceof z.ZodNumber) return 'not-a-number';
  if (schema instanceof z.ZodBoolean) return 'yes';
  if (schema instanceof z.ZodArray) return 'not-a-list';
  if (schema instanceof z.ZodRecord) return ['not', 'a', 'map'];
  return 12345; // strings and choices of strings
}

/** A value of the right type outside what the key allows. */
function outOfRange(schema: z.ZodType): unknown {
  if (schema instanceof z.ZodNumber) {
    const max = schema.maxValue;
    return max !== null && Number.isFinite(max) ? max + 1 : -1e9;
  }
  if (schema instanceof z.ZodEnum) return 'not-one-of-the-choices';
  if (schema instanceof z.ZodString) {
    const max = schema.maxLength;
    return max !== null ? 'x'.repeat(max + 1) : '';
  }
  if (schema instanceof z.ZodArray) return [{ not: 'an item' }];
  if (schema instanceof z.ZodRecord) return { '': 'a key that is empty' };
  return undefined; // booleans have no range
}

const ENV = 'dev';
const LEAVES = leaves(environmentSchema);

test('the walk covers every section of the schema', () => {
  const sections = new Set(LEAVES.map((l) => l.path[0]));
  expect([...sections].sort()).toEqual(Object.keys(environmentSchema.shape).sort());
  expect(LEAVES.length).toBeGreaterThan(80);
});

function override(path: string[], value: unknown): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let node = root;
  for (const seg of path.slice(0, -1)) node = (node[seg] = {}) as Record<string, unknown>;
  node[path[path.length - 1]] = value;
  return { envs: ENV, overrides: { [ENV]: root } };
}

describe.each(LEAVES.map((l) => [l.path.join('.'), l] as const))('%s', (key, leaf) => {
  test('a value of the wrong type fails naming the key', () => {
    const value = wrongType(leaf.schema);
    expect(configErrorOf(override(leaf.path, value))).toContain(
      `${ENV}.${key}: got ${JSON.stringify(value)};`,
    );
  });

  const bad = outOfRange(leaf.schema);
  // Booleans have no range: only the wrong-type test applies to them.
  if (bad !== undefined) {
    test('a value out of range fails naming the key', () => {
      const message = configErrorOf(override(leaf.path, bad));
      expect(message).toMatch(new RegExp(`${ENV}\\.${key.replace(/\./g, '\\.')}(\\.[^:]+)?: got `));
      expect(message).not.toContain('Invalid key in record');
    });
  }
});

test('the preset itself is valid (the failures above come from the one bad value)', () => {
  expect(() => loadEnvironments({ envs: ENV })).not.toThrow();
});
