import { builtinModules } from 'module';
import * as path from 'path';
import { buildSync } from 'esbuild';

// GIVEN the query advisor's entry bundled as NodejsFunction does (CommonJS for Node, the SDK and
// pg's optional native binding left out), unminified: an upper bound of what the stack ships
const entry = path.join(__dirname, '..', '..', '..', 'lambda', 'query-advisor', 'index.ts');
const result = buildSync({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  external: ['@aws-sdk/*', '@smithy/*', 'pg-native'],
  write: false,
  metafile: true,
  logLevel: 'silent',
});

describe('query advisor bundle', () => {
  test('THEN it builds without errors and carries pg, with the SDK and no CDK outside it', () => {
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile!.inputs);
    expect(inputs.some((i) => i.includes('node_modules/pg/'))).toBe(true);
    expect(inputs.filter((i) => /aws-cdk-lib|constructs|zod/.test(i))).toEqual([]);
    const imports = Object.values(result.metafile!.outputs)[0].imports.map((i) => i.path);
    // Left to the runtime: the SDK, Node.js's own modules and pg's never-loaded native binding.
    const external = (p: string) =>
      p.startsWith('@aws-sdk/') || p === 'pg-native' || builtinModules.includes(p.replace(/^node:/, ''));
    expect(imports.filter((p) => !external(p))).toEqual([]);
  });
});
