import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { suites } from './shards/run';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const shardsConfig = require('../jest.shards.config') as { testMatch: string[] };

describe("npm test's shards", () => {
  const all = suites.testFiles();
  const shards = suites.shardFiles();
  const sharded = shards.map((shard) => suites.filesOfShard(shard));

  test('every unit test file runs exactly once: in one shard, or on its own when it uses snapshots', () => {
    const ran = [...sharded.flat(), ...suites.standaloneFiles()];
    expect([...ran].sort()).toEqual(all);
    expect(new Set(ran).size).toBe(ran.length);
    expect(all).toContain('service/index.test.ts');
    expect(all).toContain('bin/review/hazards.test.ts');
    expect(all.some((file) => file.startsWith('integration/') || file.startsWith('e2e/'))).toBe(false);
  });

  test('a file that uses snapshots runs on its own, so its snapshots stay next to it', () => {
    expect(suites.standaloneFiles()).toContain('snapshot.test.ts');
    expect(shardsConfig.testMatch).toContain('<rootDir>/test/snapshot.test.ts');
    expect(shardsConfig.testMatch).toContain('<rootDir>/test/shards/shard-*.ts');
  });

  test('two shards for two cores, within one file of each other by measured cost', () => {
    expect(shards.map((file) => path.basename(file))).toEqual(['shard-1.ts', 'shard-2.ts']);
    const loads = sharded.map((files) => files.reduce((sum, file) => sum + suites.weightOf(file), 0));
    const heaviest = Math.max(...all.map((file) => suites.weightOf(file)));
    expect(Math.abs(loads[0] - loads[1])).toBeLessThanOrEqual(heaviest);
  });

  test('the measured costs name only test files that exist', () => {
    const durations = JSON.parse(
      fs.readFileSync(path.join(suites.TEST_ROOT, 'setup', 'durations.json'), 'utf8'),
    );
    expect(Object.keys(durations).filter((file) => !all.includes(file))).toEqual([]);
  });

  test('the shard machinery is committed (the repository ignores *.js by default)', () => {
    const files = ['jest.shards.config.js', 'test/setup/suites.js', 'test/shards/run.ts', ...shards];
    const tracked = execFileSync('git', ['ls-files', '--', ...files], {
      cwd: path.join(suites.TEST_ROOT, '..'),
    })
      .toString()
      .split('\n')
      .filter(Boolean);
    expect(tracked.sort()).toEqual(
      files.map((file) => path.relative(path.join(suites.TEST_ROOT, '..'), file)).sort(),
    );
  });
});
