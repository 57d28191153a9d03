/**
 * End-to-end tests that run the real tools against temporary git repositories (`npm run test:e2e`).
 * Each `npm run review` synthesizes the app twice, so these take minutes and stay out of `npm test`.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.ts'],
  transform: { '^.+\\.tsx?$': ['@swc/jest'] },
  maxWorkers: 1,
  testTimeout: 15 * 60 * 1000,
};
