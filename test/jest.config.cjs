/**
 * Jest projects for `npm test`: unit (no network; AWS clients faked with aws-sdk-client-mock),
 * integration (*.int.test.ts against a real DynamoDB Local started by global setup) and
 * infra (CDK Template assertions and cdk-nag). Browser tests live in test/e2e/jest.config.cjs.
 */
const path = require('node:path');

const rootDir = path.resolve(__dirname, '..');
const tsJest = [
  'ts-jest',
  {
    // Type checking is `npm run typecheck` (tsc, whole project); with isolatedModules ts-jest
    // only transpiles each file to CommonJS.
    tsconfig: {
      module: 'commonjs',
      moduleResolution: 'node10',
      target: 'ES2022',
      jsx: 'react-jsx',
      esModuleInterop: true,
      resolveJsonModule: true,
      isolatedModules: true,
      allowJs: true,
    },
  },
];
// ESM-only packages (panva's OAuth/OIDC family) are transpiled to CommonJS like our own code.
const ESM_PACKAGES = ['jose', 'openid-client', 'oauth4webapi', 'oidc-provider', 'koa', 'quick-lru', 'eta'];
const common = {
  rootDir,
  transform: { '^.+\\.[cm]?[tj]sx?$': tsJest },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
  testEnvironment: 'node',
  moduleNameMapper: { '^~/(.*)$': '<rootDir>/web/app/$1' },
  setupFiles: ['<rootDir>/test/support-setup.ts'],
};

module.exports = {
  rootDir,
  // DynamoDB Local and first-use FHIR definition loading make integration tests slower than 5 s.
  testTimeout: 30_000,
  reporters: ['default', '<rootDir>/test/summary-reporter.cjs'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.int.test.ts'],
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
  ],
};
