/**
 * Browser tests (`npm run test:e2e`): headless Debian Chromium driven by playwright-core against a
 * real local stack (`infra/local/start.ts`, as `npm start` runs it) on free ports and a temporary
 * data folder. `npm run test:e2e` builds the console first.
 */
const path = require('node:path');

const rootDir = path.resolve(__dirname, '../..');
module.exports = {
  rootDir,
  displayName: 'e2e',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: { module: 'commonjs', moduleResolution: 'node10', target: 'ES2022', esModuleInterop: true, isolatedModules: true } }],
  },
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/support-setup.ts'],
  testTimeout: 120_000,
  reporters: ['default', '<rootDir>/test/summary-reporter.cjs'],
  maxWorkers: 1,
};
