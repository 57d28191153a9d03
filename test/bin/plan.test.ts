import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main, readAssembly } from '../../bin/plan';

// The presets' cloud assembly of this test run (global setup): the CLI reads it with --assembly,
// so this test does not synthesize again.
const assembly = process.env.SB_PRESETS_OUTDIR!;

describe('npm run plan', () => {
  let out: string;
  let spy: jest.SpyInstance;
  beforeEach(() => {
    out = '';
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
  });
  afterEach(() => spy.mockRestore());

  test('--json prints only one JSON object keyed by stack name, for dev and prod by default', async () => {
    expect(await main(['--json', '--assembly', assembly])).toBe(0);
    const doc = JSON.parse(out);
    expect(Object.keys(doc)).toEqual(['ScalableBackend-dev', 'ScalableBackend-prod']);
    expect(doc['ScalableBackend-prod'].monthlyUsd.atMaxTasks).toBeGreaterThan(
      doc['ScalableBackend-prod'].monthlyUsd.atMinTasks,
    );
  });

  test('without --json: a table per stack with the totals and the reaction', async () => {
    expect(await main(['prod', '--assembly', assembly])).toBe(0);
    expect(out).toMatch(/### ScalableBackend-prod/);
    expect(out).toMatch(/\| \*\*Total\*\* \|/);
    expect(out).toMatch(/\| 3x \| 5 \|/);
  });

  test('--assembly with -c is refused: the overrides could not change the assembly', async () => {
    await expect(
      main(['prod', '--assembly', assembly, '-c', 'prod.database.readReplicas=3']),
    ).rejects.toThrow(
      /--assembly reads templates synthesized earlier, so -c prod\.database\.readReplicas=3 would be ignored/,
    );
    expect(out).toBe('');
  });

  test('GIVEN staging (extends prod) by environment or stack name THEN it is planned', async () => {
    const staging = path.join(assembly, 'variants', 'stagingApp');
    for (const name of ['staging', 'ScalableBackend-staging']) {
      out = '';
      expect(await main([name, '--json', '--assembly', staging])).toBe(0);
      const doc = JSON.parse(out);
      expect(Object.keys(doc)).toEqual(['ScalableBackend-staging']);
      expect(doc['ScalableBackend-staging'].monthlyUsd.atMaxTasks).toBeGreaterThan(
        doc['ScalableBackend-staging'].monthlyUsd.atMinTasks,
      );
    }
  });

  test('GIVEN a name that is no environment THEN a usage error (exit 2)', async () => {
    await expect(main(['Staging', '--assembly', assembly])).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^not an environment or stack name: Staging/),
    });
  });

  test('a stack missing from the assembly, a directory that is none, a bad -c: one-line errors', async () => {
    await expect(main(['staging', '--assembly', assembly])).rejects.toThrow(
      /has no stack ScalableBackend-staging/,
    );
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-plan-test-'));
    try {
      expect(() => readAssembly(empty, ['ScalableBackend-dev'])).toThrow(/not a cloud assembly/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
