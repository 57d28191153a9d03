import * as path from 'path';
import { buildSync } from 'esbuild';

// GIVEN the function's entry bundled with esbuild as NodejsFunction does (CommonJS for Node, @aws-sdk/*
// left to the runtime), but unminified: an upper bound of what the stack ships (it minifies)
const entry = path.join(__dirname, '..', '..', '..', 'lambda', 'scaling-advisor', 'index.ts');
const result = buildSync({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  external: ['@aws-sdk/*'],
  write: false,
  metafile: true,
  logLevel: 'silent',
});

describe('scaling advisor bundle', () => {
  test('THEN it builds without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  test('THEN it stays under 100 KB', () => {
    expect(result.outputFiles[0].contents.byteLength).toBeLessThan(100 * 1024);
  });

  test('THEN it bundles only the advisor code: the SDK stays external, no zod or CDK slips in', () => {
    const inputs = Object.keys(result.metafile!.inputs);
    // The query advisor's pure rendering (no pg: the scaling advisor only formats its findings).
    const queryRendering = ['format.ts', 'analysis.ts', 'plan.ts', 'statement.ts'].map(
      (f) => `lambda/query-advisor/${f}`,
    );
    expect(
      inputs.filter((i) => !i.startsWith('lambda/scaling-advisor/') && !queryRendering.includes(i)),
    ).toEqual([]);
    const imports = Object.values(result.metafile!.outputs)[0].imports.map((i) => i.path);
    expect(imports.every((p) => p.startsWith('@aws-sdk/'))).toBe(true);
  });

  test('THEN the analysis is pure: bundled on its own, with nothing external, it pulls in no package at all', () => {
    const analysis = buildSync({
      entryPoints: [path.join(path.dirname(entry), 'analysis', 'index.ts')],
      bundle: true,
      platform: 'neutral',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(Object.keys(analysis.metafile.inputs).filter((i) => i.includes('node_modules'))).toEqual([]);
  });
});
