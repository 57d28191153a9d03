/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Real servers (PostgreSQL, Redis): `npm run test:integration` (jest.integration.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/'],
  transform: { '^.+\\.tsx?$': ['@swc/jest'] },
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  snapshotSerializers: ['<rootDir>/test/setup/asset-hash-serializer.ts'],
  // Synthesis is CPU-bound; two workers match the two-core build machines.
  maxWorkers: 2,
};
