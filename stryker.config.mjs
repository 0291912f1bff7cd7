// Mutation testing (TESTING.md): Stryker with its jest runner and TypeScript checker over the
// constructs, stacks, config and review code; the snapshot tests are left out, as they fail on
// any change of output and would hide whether a behaviour has a test of its own.
//
// MUTATE_TESTS (comma-separated test files, e.g. __tests__/config.test.ts) narrows the tests
// Jest loads, for a run over one part of the tree (with --mutate): Stryker 10.0's own
// --testFiles applies to its first, full test run only.
const tests = process.env.MUTATE_TESTS?.split(',').filter((file) => file !== '');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    enableFindRelatedTests: true,
    config: {
      testNamePattern: '^(?!.* stacks match the (platform|app) snapshot$)',
      // The checker's sandbox prepends `// @ts-nocheck` to each TypeScript file, so README's copy
      // of the example no longer matches the file that test compares it with (TESTING.md).
      testPathIgnorePatterns: ['/node_modules/', '/__tests__/examples\\.test\\.ts$', '<rootDir>/e2e/'],
      // With findRelatedTests, Jest finds a mutated file's tests through the files under its roots:
      // a test that reaches the file through scripts/ or e2e/ (plan.test.ts through scripts/plan.ts)
      // was never run against it, and its mutants survived. Their own tests stay out (the pattern above).
      roots: ['<rootDir>/__tests__', '<rootDir>/scripts', '<rootDir>/e2e'],
      ...(tests ? { testMatch: tests.map((file) => `<rootDir>/${file}`) } : {}),
    },
  },
  ...(tests ? { testFiles: tests } : {}),
  checkers: ['typescript'],
  // The project compiles with TypeScript 7; see stryker.typescript.mjs for the classic API Stryker also needs.
  // Stryker's own process loads it through `npm run mutate`, the checker through its node arguments; not
  // through NODE_OPTIONS, which the test runner would pass on to the app that tests spawn (main.ts).
  checkerNodeArgs: [`--import=${new URL('./stryker.typescript.mjs', import.meta.url).href}`],
  typescriptChecker: { experimentalNativePreview: true },
  tsconfigFile: 'tsconfig.json',
  mutate: ['constructs/**/*.ts', 'stacks/**/*.ts', 'config/**/*.ts', 'review/**/*.ts'],
  // Synth and validate output: its .terraform holds symlinked provider directories, which the
  // sandbox copy refuses. The e2e's helpers stay: unit tests use some of them.
  ignorePatterns: ['cdktf.out', 'examples/*/cdktf.out'],
  coverageAnalysis: 'perTest',
  // Mutants that only run while a module loads need a fresh process and every test per mutant.
  ignoreStatic: true,
  // The machine is shared: one test runner and one checker.
  concurrency: 1,
  // A busy machine slows every run; a real infinite loop still ends at this bound.
  timeoutMS: 60000,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
};
