/** `tempstream migrate`: brings the MySQL schema up to date and says what ran. */
import type { Command } from 'commander';
import { MIGRATIONS } from '../../sinks/index.js';
import { contextFor, type CliDeps } from '../context.js';
import { withMigratedDatabase } from '../services/database.js';

export function registerMigrateCommand(program: Command, deps: CliDeps): void {
  program
    .command('migrate')
    .description('create or update the MySQL tables (temperature, temp_range_alert, dead_letter_redrive)')
    .action(async (_options: unknown, command: Command) => {
      const { config, logger, io } = contextFor(command, deps);
      await withMigratedDatabase(config, logger, (_knex, applied) => {
        if (applied.length === 0) io.out(`up to date: all ${MIGRATIONS.length} migrations had run already\n`);
        else io.out(`ran ${applied.length} migration(s):\n${applied.map((name) => `  ${name}\n`).join('')}`);
        return Promise.resolve();
      });
    });
}
