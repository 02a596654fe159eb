// cucumber-js profiles. TypeScript support files load through tsx: run with NODE_OPTIONS='--import tsx'
// (`npm run test:features` and scripts/run-tests.mjs add it; tsx refuses cucumber's `loader` option).
// No `format` here: the test runner passes its own, and two formatters may not both write to stdout.
const common = {
  paths: ['features/**/*.feature'],
  import: ['features/support/**/*.ts', 'features/step_definitions/**/*.ts'],
};

// Default: the in-memory pipeline only; @integration scenarios need the real stack.
export default { ...common, tags: 'not @integration' };

// `--profile integration`: every scenario again, on the real stack (Kafka, registry, MySQL in containers;
// features/support/stack-hooks.ts starts them once for the run).
// @in-memory scenarios need an input the stack pipeline does not run (the JSON topic).
export const integration = { ...common, tags: 'not @in-memory', worldParameters: { pipeline: 'stack' } };
