/**
 * Guards that keep the docs true to the code: every config key a page names exists in the schema
 * (derived from the schema, so keys added later are covered), every alarm the templates create is
 * listed in docs/alarms.md, and a documented `--json` command line uses `npm run -s`, whose stdout
 * holds only the JSON (npm's own `> pkg@version script` banner goes to stdout without `-s`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { PRESETS } from '../lib/config/presets';
import { environmentSchema } from '../lib/config/schema';
import { PLAIN_HTTP_WARNING } from '../lib/scalable-backend-stack';
import { presets } from './helpers';

const ROOT = path.join(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const PAGES = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
);
const SECTIONS = Object.keys(environmentSchema.shape).filter((k) => {
  let n: z.ZodType = environmentSchema.shape[k as keyof typeof environmentSchema.shape];
  while (n instanceof z.ZodOptional || n instanceof z.ZodDefault) n = n.unwrap() as z.ZodType;
  return n instanceof z.ZodObject || n instanceof z.ZodRecord;
});

function unwrap(node: z.ZodType): z.ZodType {
  let n = node;
  while (n instanceof z.ZodOptional || n instanceof z.ZodDefault) n = n.unwrap() as z.ZodType;
  return n;
}

/** Whether `path` names a key (or a section) of the schema; anything below a map's key is a name. */
function existsInSchema(path: string[]): boolean {
  let node: z.ZodType = environmentSchema;
  for (const seg of path) {
    node = unwrap(node);
    if (node instanceof z.ZodRecord) return true;
    if (node instanceof z.ZodArray) node = unwrap(node.element as z.ZodType);
    if (!(node instanceof z.ZodObject)) return false;
    const next = (node.shape as Record<string, z.ZodType>)[seg];
    if (!next) return false;
    node = next;
  }
  return true;
}

/** Dotted config keys a page names: `service.scaling.scaleOutSteps`, `-c prod.database.instanceClass=...`. */
function keysNamedIn(text: string): { key: string; line: number }[] {
  const out: { key: string; line: number }[] = [];
  const pattern = new RegExp(
    `(?<![\\w/.-])(?:(?:dev|prod|local|<env>)\\.)?((?:${SECTIONS.join('|')})(?:\\.[A-Za-z_][A-Za-z0-9_]*)+)`,
    'g',
  );
  text.split('\n').forEach((line, i) => {
    // An example of the "unknown key" error names a misspelt key on purpose.
    if (line.includes('unknown key')) return;
    for (const m of line.matchAll(pattern)) {
      const key = m[1];
      // File names (service.ts, lib/cache.ts) and node types (cache.r7g.large) are not keys.
      if (/\.(ts|js|json|md)$/.test(key) || /^cache\.[a-z]+\d[a-z]*\./.test(key)) continue;
      out.push({ key, line: i + 1 });
    }
  });
  return out;
}

describe.each(PAGES)('%s', (page) => {
  test('names only config keys that exist in the schema', () => {
    const unknown = keysNamedIn(read(page))
      .filter(({ key }) => !existsInSchema(key.split('.')))
      .map(({ key, line }) => `${page}:${line}: ${key}`);
    expect(unknown).toEqual([]);
  });

  test('passes -c only for environments that exist', () => {
    // Presets, placeholders (<env>, <name>) and environments the docs declare with `extends`.
    const declared = PAGES.flatMap((p) => [
      ...[...read(p).matchAll(/-c ([a-z][a-z0-9-]*)\.extends=/g)].map((m) => m[1]),
      ...[...read(p).matchAll(/"([a-z][a-z0-9-]*)":\s*\{\s*"extends"/g)].map((m) => m[1]),
    ]);
    const envs = new Set([...Object.keys(PRESETS), ...declared]);
    const unknown = read(page)
      .split('\n')
      .flatMap((line, i) =>
        [...line.matchAll(/(?:^|[\s`(])-c\s+([a-z<][a-z0-9>-]*)\.[a-zA-Z]/g)]
          .filter((m) => !envs.has(m[1]) && !/^<[a-z-]+>$/.test(m[1]))
          .map((m) => `${page}:${i + 1}: -c ${m[1]}.`),
      );
    expect(unknown).toEqual([]);
  });

  test('documents --json command lines with npm run -s (stdout holds only the JSON)', () => {
    const loud = read(page)
      .split('\n')
      .map((line, i) => ({ line, number: i + 1 }))
      .filter(({ line }) => /npm run (?!-s )\S+.*--json/.test(line))
      .map(({ line, number }) => `${page}:${number}: ${line.trim()}`);
    expect(loud).toEqual([]);
  });
});

test('the key finder finds keys and knows a wrong one', () => {
  expect(
    keysNamedIn('raise `service.scaling.scaleOutStep` or -c prod.database.instanceClass=r7g.large').map(
      (k) => k.key,
    ),
  ).toEqual(['service.scaling.scaleOutStep', 'database.instanceClass']);
  expect(existsInSchema(['service', 'scaling', 'scaleOutStep'])).toBe(false);
  expect(existsInSchema(['service', 'scaling', 'scaleOutSteps'])).toBe(true);
  expect(existsInSchema(['service', 'environment', 'ANY_NAME'])).toBe(true);
});

describe('docs/alarms.md', () => {
  const alarmsPage = read('docs/alarms.md');
  test('lists every alarm the dev and prod templates create', () => {
    const names = new Set<string>();
    for (const env of ['dev', 'prod'] as const) {
      for (const r of Object.values(
        presets().templates[env].toJSON().Resources as Record<
          string,
          { Type: string; Properties?: Record<string, unknown> }
        >,
      )) {
        if (r.Type !== 'AWS::CloudWatch::Alarm') continue;
        const name = r.Properties?.AlarmName;
        // Alarm names are `<stack>-<Alarm>`; numbered alarms (Replica1Lag) are listed as <n>.
        if (typeof name === 'string') names.add(name.replace(/^ScalableBackend-[a-z]+-/, ''));
      }
    }
    expect(names.size).toBeGreaterThan(10);
    // A documented name may hold a placeholder (`Replica<n>Lag`, `Release<Group>ErrorRate`).
    const documented = [...alarmsPage.matchAll(/`([A-Za-z0-9<>]+)`/g)]
      .filter((m) => m[1].replace(/<[A-Za-z]+>/g, '').length >= 3) // not a bare placeholder
      .map((m) => new RegExp(`^${m[1].replace(/<[A-Za-z]+>/g, '[A-Za-z0-9]+')}$`));
    const missing = [...names].filter((n) => !documented.some((re) => re.test(n)));
    expect(missing).toEqual([]);
  });
});

test('docs/going-live.md shows the plain-HTTP warning as the CDK CLI prints it today', () => {
  expect(read('docs/going-live.md')).toContain(`Acknowledge with 'Annotation::${PLAIN_HTTP_WARNING}'`);
});
