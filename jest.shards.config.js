const base = require('./jest.config');
const { standaloneFiles } = require('./test/setup/suites');

/**
 * `npm test`'s full run: the unit test files in a few shards (test/setup/suites.js says why), plus
 * the files that use snapshots on their own. Same transform, global setup and serializers as
 * jest.config.js, which runs files one by one (`npx jest test/service/index.test.ts`).
 * @type {import('jest').Config}
 */
module.exports = {
  ...base,
  testMatch: [
    '<rootDir>/test/shards/shard-*.ts',
    ...standaloneFiles().map((file) => `<rootDir>/test/${file}`),
  ],
};
