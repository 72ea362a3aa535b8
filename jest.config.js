/** Type-checking is `tsc --noEmit` in `npm test`; ts-jest only transpiles (tsconfig isolatedModules). */
module.exports = {
  testEnvironment: '<rootDir>/tests/support/native-typed-arrays-environment.js',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // Synthesizing a whole CDK app takes seconds on a 2-core machine.
  testTimeout: 120_000,
  // Jest defaults to one worker fewer than the cores; on this 2-core machine that is one worker.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/tests/support/plain-summary-reporter.js'],
};
