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
  // After its 'exit' event a worker still frees its heap: after a folder of suites that took 0.3 to
  // 0.9 s here, 2.2 s under load, past Jest's 500 ms default. Jest then killed the worker and blamed
  // a leak, though no handle outlived any suite's teardown. A handle that does keep a worker alive
  // is still reported, after this wait.
  workerGracefulExitTimeout: 5_000,
  reporters: ['default', '<rootDir>/tests/support/plain-summary-reporter.js'],
};
