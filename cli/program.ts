/** The `tempstream` command line: global flags, the commands, and how any failure becomes an exit code. */
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { registerAlertsCommand } from './commands/alerts.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDescribeCommand } from './commands/describe.js';
import { registerDlqCommand } from './commands/dlq.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerSchemasCommand } from './commands/schemas.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerStartCommand } from './commands/start.js';
import { defaultDeps, type CliDeps } from './context.js';
import { EXIT_OK, failureOf } from './exit.js';
import { addGlobalFlags } from './global-flags.js';
import { processIO } from './io.js';

export function buildProgram(deps: CliDeps): Command {
  const program = new Command('tempstream')
    .description('IoT temperature pipeline on Kafka: run it, feed it, replay it, inspect it')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    // Settings inherited by every command added below: errors come back to runCli instead of exiting.
    .exitOverride()
    .configureOutput({ writeOut: (s) => deps.io.out(s), writeErr: (s) => deps.io.err(s) });
  addGlobalFlags(program);
  program.addHelpText(
    'after',
    '\nEvery setting is an environment variable (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, MYSQL_URL, MIN_TEMP, ...);\nthe global options override them. Exit codes: 0 done, 1 failed at run time, 2 bad arguments or configuration.',
  );
  registerStartCommand(program, deps);
  registerSchemasCommand(program, deps);
  registerMigrateCommand(program, deps);
  registerReplayCommand(program, deps);
  registerSimulateCommand(program, deps);
  registerAlertsCommand(program, deps);
  registerDescribeCommand(program, deps);
  registerDemoCommand(program, deps);
  registerServeCommand(program, deps);
  registerDlqCommand(program, deps);
  return program;
}

/** The version in package.json: one directory up from cli/ under tsx, two from dist/cli/ when built. */
function packageVersion(): string {
  const require = createRequire(import.meta.url);
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = require(path) as { name?: unknown; version?: unknown };
      if (pkg.name === 'tempstream' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

/** Runs one command line; resolves with the exit code after printing any failure as one message. */
export async function runCli(argv: readonly string[], deps: CliDeps = defaultDeps(processIO())): Promise<number> {
  try {
    await buildProgram(deps).parseAsync([...argv]);
    return EXIT_OK;
  } catch (err) {
    const failure = failureOf(err);
    if (failure.message) deps.io.err(`tempstream: ${failure.message}\n`);
    return failure.exitCode;
  }
}
