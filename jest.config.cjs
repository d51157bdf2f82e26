/** Jest runs the TypeScript sources through SWC; tfjs-core's ESM registration files are transformed too. */
module.exports = {
  testEnvironment: 'node',
  testEnvironmentOptions: { globalsCleanup: 'off' },
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!@tensorflow/tfjs-core/dist/)'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // A hang guard, never a speed check: tests must pass on a busy machine (npm run test:stress). Keep it in step
  // with test/helpers/hang_guard.ts.
  testTimeout: 20 * 60_000,
  setupFilesAfterEnv: ['<rootDir>/test/helpers/setup_backend.ts'],
};
