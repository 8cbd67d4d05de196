/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // openid-client and FormatJS (and what they use) ship ES modules only; Node ≥ 20.19 requires them as they are,
    // Jest's own module system does not, so they are compiled to CommonJS for the tests.
    '/node_modules/(openid-client|oauth4webapi|jose|@formatjs/[^/]+|intl-messageformat)/.+\\.js$': [
      '@swc/jest',
      { jsc: { target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(openid-client|oauth4webapi|jose|@formatjs/[^/]+|intl-messageformat)/)'],
  globalSetup: '<rootDir>/tests/helpers/global-setup.ts',
  setupFiles: ['<rootDir>/tests/helpers/quiet-runtime.ts'],
  testTimeout: 120_000,
  // Each file starts its own Temporal server and databases; two at a time fits two cores.
  maxWorkers: 2,
};
