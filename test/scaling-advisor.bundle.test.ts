import * as fs from 'fs';
import * as path from 'path';
import { resourcesOf, synth } from './helpers';

// GIVEN the dev app synthesized WITH bundling: NodejsFunction runs the local esbuild (no Docker)
// exactly as `cdk synth` / `cdk deploy` do. The only test that bundles; the others skip it.
const { templates, outdir } = synth(['dev'], {}, { bundle: true, validate: false });

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('scaling advisor bundle (real NodejsFunction bundling)', () => {
  const [, fn] = resourcesOf(templates.dev, 'AWS::Lambda::Function').find(([id]) =>
    id.startsWith('ScalingAdvisorFunction'),
  )!;
  // The zip's S3 key is `<asset hash>.zip`; the cloud assembly holds the bundle in `asset.<hash>/`.
  const s3Key = (fn.Properties!.Code as { S3Key: string }).S3Key;
  const assetDir = path.join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
  const indexJs = path.join(assetDir, 'index.js');

  test('THEN the asset holds index.js (with its source map) under 100 KB', () => {
    expect(fs.existsSync(indexJs)).toBe(true);
    expect(fs.statSync(indexJs).size).toBeLessThan(100 * 1024);
    expect(fs.existsSync(`${indexJs}.map`)).toBe(true);
  });

  test('THEN the AWS SDK is left to the Lambda runtime and the code is minified', () => {
    const code = fs.readFileSync(indexJs, 'utf8');
    expect(code).toMatch(/require\("@aws-sdk\/client-cloudwatch"\)/);
    expect(code).toMatch(/require\("@aws-sdk\/client-sns"\)/);
    // minified: few, long lines
    expect(code.split('\n').length).toBeLessThan(20);
  });
});

// The same synth bundled the database role provisioning function too (no second bundling run).
describe('database role provisioning bundle (same synth)', () => {
  const [, fn] = resourcesOf(templates.dev, 'AWS::Lambda::Function').find(([id]) =>
    id.startsWith('DatabaseAppRoleFunction'),
  )!;
  const s3Key = (fn.Properties!.Code as { S3Key: string }).S3Key;
  const indexJs = path.join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.js');

  test('THEN pg is bundled (no node_modules in Lambda) and the AWS SDK comes from the runtime', () => {
    const code = fs.readFileSync(indexJs, 'utf8');
    expect(code).not.toMatch(/require\("pg"\)/);
    expect(code).toContain('SCRAM-SHA-256'); // pg's SASL authentication, bundled
    expect(code).toMatch(/require\("@aws-sdk\/client-secrets-manager"\)/);
    expect(fs.statSync(indexJs).size).toBeLessThan(300 * 1024);
  });
});
