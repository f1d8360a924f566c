/**
 * Browser tests (`npm run test:e2e`): headless Debian Chromium driven by playwright-core against a
 * real local stack (`infra/local/start.ts`, as `npm start` runs it) on free ports and a temporary
 * data folder. `npm run test:e2e` builds the console first. Each test file starts one stack and
 * one Chromium process; files run one at a time.
 */
const path = require('node:path');
// The same TypeScript transform as the other projects, which also transpiles the ESM-only
// OAuth/OIDC packages the tests use to obtain API tokens (openid-client, oauth4webapi, jose).
const { projects } = require('../jest.config.cjs');

const { transform, transformIgnorePatterns, moduleNameMapper } = projects[0];
const rootDir = path.resolve(__dirname, '../..');
module.exports = {
  rootDir,
  displayName: 'e2e',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e.test.ts'],
  transform,
  transformIgnorePatterns,
  moduleNameMapper,
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/support-setup.ts'],
  testTimeout: 120_000,
  reporters: ['default', '<rootDir>/test/summary-reporter.cjs'],
  maxWorkers: 1,
};
