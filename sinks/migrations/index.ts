import type { Knex } from 'knex';
import { createTemperature } from './001-create-temperature.js';
import { createTempRangeAlert } from './002-create-temp-range-alert.js';
import { addAlertNotifyStatus } from './003-add-alert-notify-status.js';
import { createDeadLetterRedrive } from './004-create-dead-letter-redrive.js';
import { createTempAlertEpisode } from './005-create-temp-alert-episode.js';
import { createTemperatureMinute } from './006-create-temperature-minute.js';
import { createDeviceSilence } from './007-create-device-silence.js';
import type { CodeMigration } from './migration.js';

export type { CodeMigration } from './migration.js';

/** In order. Append only. */
export const MIGRATIONS: readonly CodeMigration[] = [
  createTemperature,
  createTempRangeAlert,
  addAlertNotifyStatus,
  createDeadLetterRedrive,
  createTempAlertEpisode,
  createTemperatureMinute,
  createDeviceSilence,
];

/** The table in which knex records which migrations ran. */
export const MIGRATIONS_TABLE = 'tempstream_migrations';

/** Hands knex the list above instead of letting it glob a folder, which breaks between .ts and .js. */
export const migrationSource: Knex.MigrationSource<CodeMigration> = {
  getMigrations: () => Promise.resolve([...MIGRATIONS]),
  getMigrationName: (migration) => migration.name,
  getMigration: (migration) => Promise.resolve({ up: (knex: Knex) => migration.up(knex), down: (knex: Knex) => migration.down(knex) }),
};

/** Server-wide MySQL lock name, one per database (names are limited to 64 characters). */
const LOCK_NAME_SQL = "CONCAT('tempstream-migrate-', MD5(DATABASE()))";

/**
 * Brings the schema up to date; returns the names of the migrations it ran (none when up to date).
 * Processes that start together (`start` and `alerts`) take turns: knex's own lock makes the second
 * fail with "Migration table is already locked", and two first runs can race creating knex's tables.
 * A MySQL named lock, held by one pooled connection while knex migrates on others, makes it wait
 * instead; the server frees it if the holder dies. Needs a pool of two connections or more.
 */
export async function migrate(knex: Knex, options: { lockTimeoutSeconds?: number } = {}): Promise<string[]> {
  const timeout = options.lockTimeoutSeconds ?? 60;
  return knex.transaction(async (lockHolder) => {
    const got = firstValue(await lockHolder.raw(`SELECT GET_LOCK(${LOCK_NAME_SQL}, ?) AS got`, [timeout]));
    if (Number(got) !== 1) throw new Error(`another process has held this database's migration lock for ${timeout} s; is one stuck?`);
    try {
      const [, applied] = (await knex.migrate.latest({ migrationSource, tableName: MIGRATIONS_TABLE })) as [number, string[]];
      return applied;
    } finally {
      await lockHolder.raw(`SELECT RELEASE_LOCK(${LOCK_NAME_SQL})`);
    }
  });
}

/** The first column of the first row of a mysql2 raw result (`[rows, fields]`). */
function firstValue(result: unknown): unknown {
  const rows: unknown = Array.isArray(result) ? result[0] : undefined;
  const row: unknown = Array.isArray(rows) ? rows[0] : undefined;
  return typeof row === 'object' && row !== null ? Object.values(row)[0] : undefined;
}

/** Undoes every migration, newest first. For tests and development databases. */
export async function rollbackAll(knex: Knex): Promise<string[]> {
  const [, undone] = (await knex.migrate.rollback({ migrationSource, tableName: MIGRATIONS_TABLE }, true)) as [number, string[]];
  return undone;
}
