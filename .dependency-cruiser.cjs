// The house plan, enforced (`npm run lint`): no import cycle, and every arrow points down the layers
//   cli → (api, app) → ... ; api → (app, schemas, sinks) ; app → (schemas, sinks) → topology
// and inside topology/, the DSL never reaches the runtime. Tests, features, test/, bench/ and stack/
// may import anything (bench/ only reaches the CLI through its public config).
// dependency-cruiser rather than an ESLint import plugin: it resolves the graph once for the whole
// repo, so a cycle check costs seconds, not a per-file traversal inside the type-aware lint.

/** Code that tests, measures or stands in for infrastructure: allowed to import across layers. */
const TEST_CODE = '(\\.test\\.ts$|^(features|test|bench|stack)/)';
/** Rooms that production code never imports. */
const HARNESS = '^(features|test|bench|stack)/';

/** One "may not import" rule per layer: `from` production code of the room, `to` the rooms above it. */
const layer = (name, comment, from, forbidden, exempt = TEST_CODE) => ({
  name,
  comment,
  severity: 'error',
  from: { path: from, pathNot: exempt },
  to: { path: forbidden },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle: modules that cannot be read, loaded or tested one without the other. Cut it by moving the shared part down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    layer(
      'topology-is-generic',
      'topology/ is the generic library: it imports nothing of the application or its harness.',
      '^topology/',
      '^(app|schemas|sinks|api|web|cli)/|' + HARNESS,
    ),
    layer(
      'dsl-not-runtime',
      'The DSL describes; the runtime runs what it describes. Contracts both need live in the DSL (topology/dsl/sink-contract.ts).',
      '^topology/dsl/',
      '^topology/runtime/',
    ),
    layer(
      'topology-building-blocks',
      'Records, errors and serdes sit under both the DSL and the runtime.',
      '^topology/(records|errors|serdes)',
      '^topology/(dsl|runtime|testing)/',
    ),
    layer(
      'test-doubles-stay-out',
      'Test doubles are imported from their own entry point (topology/testing, sinks/testing, ...) by tests, never by the library or the app.',
      '^(topology|schemas|sinks|app|api|cli)/',
      '/testing/',
      `${TEST_CODE}|/testing/`,
    ),
    {
      name: 'kafkajs-only-in-adapters',
      comment:
        'The runtime and the state stores speak to Kafka through their adapters only; the engine and the rest see ports (output-producer.ts), never kafkajs nor a kafka-* adapter. Add an adapter to this list, not a kafkajs import elsewhere.',
      severity: 'error',
      from: {
        path: '^topology/(runtime|state)/',
        pathNot: `${TEST_CODE}|^topology/runtime/kafka-(runner|producer|transactions|admin|message|batch-feeder)\\.ts$|^topology/runtime/co-partitioned-assigner\\.ts$|^topology/state/(kafka-changelog-source|changelog-topics)\\.ts$`,
      },
      to: { path: '^node_modules/kafkajs/|^topology/runtime/kafka-' },
    },
    layer('schemas-below-app', 'schemas/ is a contract: it knows topology/ only.', '^schemas/', '^(sinks|app|api|web|cli)/|' + HARNESS),
    layer('sinks-below-app', 'sinks/ stores records: it knows schemas/ and topology/ only.', '^sinks/', '^(app|api|web|cli)/|' + HARNESS),
    layer('app-below-cli', 'app/ is the domain: the CLI and the HTTP API call it, never the other way.', '^app/', '^(api|web|cli)/|' + HARNESS),
    layer('api-below-cli', 'api/ serves app/, schemas/ and sinks/; the CLI starts it.', '^api/', '^(web|cli)/|' + HARNESS),
    layer('web-is-a-front-end', 'web/ runs in a browser: no server code.', '^web/', '^(topology|sinks|app|api|cli)/|' + HARNESS),
    // The demo may start the container stack (stack/harness.ts); test harnesses are not part of the CLI.
    layer('cli-is-the-top', 'The CLI is the top of the application; test harnesses are not part of it.', '^cli/', '^(features|test|bench)/'),
    {
      name: 'commands-stand-alone',
      comment: 'A command is one entry point: what two commands share lives below cli/commands (cli/services, cli/simulate, ...), never in a command.',
      severity: 'error',
      from: { path: '^cli/commands/' },
      to: { path: '^cli/commands/' },
    },
    {
      name: 'bench-uses-public-cli-config',
      comment: 'The benchmark reaches the CLI only through its public configuration (cli/config.ts).',
      severity: 'error',
      from: { path: '^bench/' },
      to: { path: '^cli/', pathNot: '^cli/config\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules stays in the graph (not followed): the kafkajs rule needs the edges to it.
    exclude: { path: '^(dist|coverage|reports)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    cache: { folder: 'node_modules/.cache/dependency-cruiser', strategy: 'content' },
  },
};
