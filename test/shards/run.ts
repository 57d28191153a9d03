import * as path from 'path';
import { AssetStaging } from 'aws-cdk-lib';

/** test/setup/suites.js (plain JavaScript, so that jest.shards.config.js can read it too), typed. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const suites = require('../setup/suites') as {
  TEST_ROOT: string;
  testFiles: () => string[];
  standaloneFiles: () => string[];
  shardFiles: () => string[];
  filesOfShard: (shardFile: string) => string[];
  weightOf: (file: string) => number;
};
const { TEST_ROOT, filesOfShard } = suites;

/**
 * Runs the share of the unit test files that test/setup/suites.js gives `shardFile`, each inside a
 * `describe` named after it, in one module registry. What a file would not share when run on its
 * own is reset around it: `process.env`, jest spies, and the CDK's process-wide cache of staged
 * assets (which would point a later synth at an earlier file's deleted output folder).
 */
export function runShard(shardFile: string): void {
  for (const file of filesOfShard(shardFile)) {
    describe(file, () => {
      let env: NodeJS.ProcessEnv = {};
      beforeAll(() => {
        env = { ...process.env };
      });
      afterAll(() => {
        jest.restoreAllMocks();
        for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
        Object.assign(process.env, env);
      });
      // A file synthesizes while jest collects its tests, so the cache is cleared before it loads.
      AssetStaging.clearAssetHashCache();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(path.join(TEST_ROOT, file));
    });
  }
}
