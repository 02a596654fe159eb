import type { Knex } from 'knex';
import type { CodeMigration } from './migration.js';

/**
 * One row per silence event: UNIQUE(device_id, event, last_seen_at) holds a SILENT and its BACK
 * (they share `last_seen_at`, the last reading before the silence) and stores a redelivery once.
 * `notified_at`, `notify_status` and `notify_error` work as in temp_range_alert (migration 003).
 */
export const createDeviceSilence: CodeMigration = {
  name: '007-create-device-silence',
  async up(knex: Knex) {
    await deviceSilenceTable(knex);
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists('device_silence');
  },
};

/** The CREATE TABLE, apart so a test can read its SQL without a database. */
export function deviceSilenceTable(knex: Knex): Knex.SchemaBuilder {
  return knex.schema.createTable('device_silence', (t) => {
    t.bigIncrements('id').primary();
    t.string('device_id', 64).notNullable().collate('utf8mb4_bin');
    t.string('event', 8).notNullable().comment('SILENT or BACK');
    t.specificType('last_seen_at', 'DATETIME(3)').notNullable().comment('UTC, wall clock: the last reading before the silence');
    t.specificType('detected_at', 'DATETIME(3)').notNullable().comment('UTC, wall clock: when this event was raised');
    t.bigInteger('silence_ms').notNullable().comment('the timeout in force');
    t.specificType('notified_at', 'DATETIME(3)').nullable().comment('UTC; NULL until notified');
    t.string('notify_status', 16).nullable().comment('NULL while waiting; notified or failed');
    t.string('notify_error', 1000).nullable().comment('why notifying failed; names no URL credential or token');
    t.unique(['device_id', 'event', 'last_seen_at'], { indexName: 'uq_device_silence_event' });
    t.charset('utf8mb4');
    t.engine('InnoDB');
  });
}
