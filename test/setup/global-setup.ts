import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../lib/app';
import { VARIANTS, Variant } from '../variants';

/**
 * Synthesizes every preset ONCE for the whole jest run (one cloud assembly, validators included)
 * and tells the workers where it is. Test files that only need the presets read templates from
 * there (`presets()` in test/helpers.ts) instead of synthesizing again, which keeps `npm test`
 * under a minute on two cores. Tests that need other config still call `synth()` themselves.
 */
export default function globalSetup(): void {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-presets-'));
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;
  const synthInto = (
    dir: string,
    envs: readonly string[],
    context: Record<string, unknown>,
    controlTower: boolean,
  ) => {
    const app = new App({
      outdir: dir,
      context: {
        ...cdkJson,
        '@aws-cdk/core:failSynthOnValidationErrors': false,
        'aws:cdk:bundling-stacks': [],
        ...context,
        envs: envs.join(','),
      },
    });
    buildApp(app, { controlTower });
    app.synth();
  };
  synthInto(outdir, ['dev', 'prod', 'local'], {}, true);
  for (const [name, variant] of Object.entries<Variant>(VARIANTS)) {
    synthInto(
      path.join(outdir, 'variants', name),
      variant.envs,
      variant.context,
      variant.controlTower ?? false,
    );
  }
  process.env.SB_PRESETS_OUTDIR = outdir;
}
