// The end-to-end test (npm run e2e): a jest project of its own, not part of `npm test`. One test
// file runs in band (its phases depend on each other), every check a named test printed by the
// verbose reporter; global setup starts the toolchain, the cluster and the operator, global
// teardown (or a signal) stops them.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  // One file per cluster mode (README "End-to-end deploy test"): the real node runs one environment's
  // pods for real; kwok and one's own cluster run deploy.e2e.ts.
  testMatch: [process.env.E2E_NODES === 'real' ? '<rootDir>/real-node.e2e.ts' : '<rootDir>/deploy.e2e.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  globalSetup: '<rootDir>/global-setup.ts',
  globalTeardown: '<rootDir>/global-teardown.ts',
  maxWorkers: 1,
  verbose: true,
  // Polls carry their own timeouts; this only stops a test that hangs outside one.
  testTimeout: 1_800_000,
  // The file's tests share one deployment: after a failure the rest still report.
  bail: 0,
};
