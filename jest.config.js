/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  globalSetup: '<rootDir>/tests/helpers/global-setup.ts',
  setupFiles: ['<rootDir>/tests/helpers/quiet-runtime.ts'],
  testTimeout: 120_000,
  // Each file starts its own Temporal server and databases; two at a time fits two cores.
  maxWorkers: 2,
};
