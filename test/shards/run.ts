import * as path from 'path';
import { AssetStaging } from 'aws-cdk-lib';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { TEST_ROOT, filesOfShard } = require('../setup/suites') as {
  TEST_ROOT: string;
  filesOfShard: (shardFile: string) => string[];
};

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
