import * as fs from 'fs';
import {
  CONFIG_DOC_PATH,
  currentReference,
  referenceRows,
  renderConfigReference,
  withReference,
} from '../bin/config-docs';
import { PRESETS } from '../lib/config/presets';
import { allowedKeysAt } from '../lib/config/load';

describe('configuration reference in docs/configuration.md', () => {
  test('GIVEN the schema and presets WHEN the reference is generated THEN docs/configuration.md holds exactly it', () => {
    const readme = fs.readFileSync(CONFIG_DOC_PATH, 'utf8');
    const inReadme = currentReference(readme);
    // THEN the document carries the markers and exactly the generated text
    expect(inReadme).toBeDefined();
    if (inReadme !== renderConfigReference().trim()) {
      throw new Error(
        'docs/configuration.md differs from the config schema: run npm run docs:config and commit docs/configuration.md',
      );
    }
  });

  test('every leaf key of the schema has a row with a description, an on-change note and a default per preset', () => {
    const rows = referenceRows().flatMap((s) => s.rows);
    const keys = rows.map((r) => r.key);
    // GIVEN the keys the loader accepts in each section
    for (const section of ['network', 'service', 'database', 'cache', 'observability']) {
      for (const key of allowedKeysAt([section])) {
        expect(keys.some((k) => k === `${section}.${key}` || k.startsWith(`${section}.${key}.`))).toBe(true);
      }
    }
    for (const row of rows) {
      expect(row.description.length).toBeGreaterThan(0);
      expect(row.onChange.length).toBeGreaterThan(0);
      expect(Object.keys(row.defaults)).toEqual(Object.keys(PRESETS));
    }
  });

  test('allowed values are derived from the schema checks', () => {
    const byKey = Object.fromEntries(referenceRows().flatMap((s) => s.rows.map((r) => [r.key, r])));
    expect(byKey['network.maxAzs']).toMatchObject({ type: 'integer', allowed: '2 to 6' });
    expect(byKey['service.cpuArchitecture'].allowed).toBe('`ARM64`, `X86_64`');
    expect(byKey['service.cpu'].allowed).toBe('must be one of 256, 512, 1024, 2048, 4096, 8192, 16384');
    expect(byKey['observability.p95ResponseTimeSeconds'].allowed).toBe('> 0, ≤ 60');
    expect(byKey['network.cidr'].allowed).toMatch(/IPv4 CIDR block with a prefix between \/16 and \/20/);
    expect(byKey['service.certificateArn'].type).toBe('string (optional)');
    expect(byKey['database.removalPolicy'].defaults).toEqual({
      dev: '`snapshot`',
      prod: '`retain`',
      local: '`destroy`',
    });
    expect(byKey['network.availabilityZones'].defaults.dev).toBe('unset');
  });

  test('regenerating replaces only the text between the markers', () => {
    const readme = 'before\n<!-- config-reference:start -->\nold\n<!-- config-reference:end -->\nafter\n';
    expect(withReference(readme, 'new')).toBe(
      'before\n<!-- config-reference:start -->\nnew\n<!-- config-reference:end -->\nafter\n',
    );
    expect(() => withReference('no markers', 'new')).toThrow(/needs the markers/);
  });
});
