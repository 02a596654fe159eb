/**
 * `tempstream schemas register [--dry-run]` and `tempstream schemas check`: the pipeline's Avro
 * schemas against the registry, as a table. Incompatible → exit 1 with the registry's reasons.
 */
import type { Command } from 'commander';
import { registerSchemas, SchemaIncompatibleError, type RegistrationResult } from '../../schemas/index.js';
import { contextFor, type CliDeps } from '../context.js';
import { during, ExitError } from '../exit.js';
import type { CliIO } from '../io.js';
import { registryAt } from '../services/where.js';
import { formatTable } from '../table.js';

export function registerSchemasCommand(program: Command, deps: CliDeps): void {
  const schemas = program.command('schemas').description('register or check the Avro schemas (subject <topic>-value, BACKWARD)');
  schemas
    .command('register')
    .description('register every schema of the pipeline; none is written if any is incompatible')
    .option('--dry-run', 'only report what would be registered')
    .action(async (options: { dryRun?: boolean }, command: Command) => {
      await runRegistration(command, deps, options.dryRun === true);
    });
  schemas
    .command('check')
    .description('compare the schemas with the registry without writing; exit 1 if any is incompatible')
    .action(async (_options: unknown, command: Command) => {
      await runRegistration(command, deps, true);
    });
}

async function runRegistration(command: Command, deps: CliDeps, dryRun: boolean): Promise<void> {
  const { config, io } = contextFor(command, deps);
  const results = await during(`${dryRun ? 'checking' : 'registering'} schemas with ${registryAt(config)}`, () =>
    registerSchemas({ url: config.schemaRegistry.url, auth: config.schemaRegistry.auth, dryRun }).catch((err: unknown) => {
      // The registry refused: show the same table a dry run would, then fail.
      if (err instanceof SchemaIncompatibleError) return [...err.results];
      throw err;
    }),
  );
  printResults(io, results);
  const refused = results.filter((r) => r.outcome === 'incompatible');
  if (refused.length > 0) {
    throw new ExitError(`${refused.length} schema(s) incompatible with the registry${dryRun ? '' : '; nothing was registered'}`);
  }
}

function printResults(io: CliIO, results: readonly RegistrationResult[]): void {
  io.out(
    formatTable(
      ['SUBJECT', 'VERSION', 'ID', 'OUTCOME'],
      results.map((r) => [r.subject, r.version === undefined ? '-' : String(r.version), r.id === undefined ? '-' : String(r.id), r.outcome]),
    ),
  );
  for (const r of results) {
    if (r.outcome !== 'incompatible') continue;
    io.out(`\n${r.subject} (${r.schemaName}) is incompatible:\n`);
    const reasons = r.incompatibilities ?? [];
    for (const reason of reasons.length > 0 ? reasons : ['the registry gave no reason']) io.out(`  - ${reason}\n`);
  }
}
