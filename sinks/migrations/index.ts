import type { Knex } from 'knex';
import { createTemperature } from './001-create-temperature.js';
import { createTempRangeAlert } from './002-create-temp-range-alert.js';
import type { CodeMigration } from './migration.js';

export type { CodeMigration } from './migration.js';

/** In order. Append only. */
export const MIGRATIONS: readonly CodeMigration[] = [createTemperature, createTempRangeAlert];

/** The table in which knex records which migrations ran. */
export const MIGRATIONS_TABLE = 'tempstream_migrations';

/** Hands knex the list above instead of letting it glob a folder, which breaks between .ts and .js. */
export const migrationSource: Knex.MigrationSource<CodeMigration> = {
  getMigrations: () => Promise.resolve([...MIGRATIONS]),
  getMigrationName: (migration) => migration.name,
  getMigration: (migration) => Promise.resolve({ up: (knex: Knex) => migration.up(knex), down: (knex: Knex) => migration.down(knex) }),
};

/** Brings the schema up to date; returns the names of the migrations it ran (none when up to date). */
export async function migrate(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource, tableName: MIGRATIONS_TABLE })) as [number, string[]];
  return applied;
}

/** Undoes every migration, newest first. For tests and development databases. */
export async function rollbackAll(knex: Knex): Promise<string[]> {
  const [, undone] = (await knex.migrate.rollback({ migrationSource, tableName: MIGRATIONS_TABLE }, true)) as [number, string[]];
  return undone;
}
