import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../lib/app';

/**
 * Synthesizes every preset ONCE for the whole jest run (one cloud assembly, validators included)
 * and tells the workers where it is. Test files that only need the presets read templates from
 * there (`presets()` in test/helpers.ts) instead of synthesizing again, which keeps `npm test`
 * under a minute on two cores. Tests that need other config still call `synth()` themselves.
 */
export default function globalSetup(): void {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-presets-'));
  const context = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;
  const app = new App({
    outdir,
    context: {
      ...context,
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      'aws:cdk:bundling-stacks': [],
      envs: 'dev,prod,local',
    },
  });
  buildApp(app);
  app.synth();
  process.env.SB_PRESETS_OUTDIR = outdir;
}
