import type { Knex } from 'knex';
import type { CodeMigration } from './migration.js';

/**
 * One row per alert episode, keyed by its id (`<deviceId>/<openedAt>/<direction>`): OPENED inserts
 * it, RESOLVED moves it to RESOLVED, and a redelivered or older event changes nothing.
 * `notified_opened_at` and `notified_resolved_at` stay NULL until the notification of that event is
 * settled: told, or given up on (then `notify_status` is `failed` and `notify_error` says which event
 * and why). One column per event, because each event is told once.
 */
export const createTempAlertEpisode: CodeMigration = {
  name: '005-create-temp-alert-episode',
  async up(knex: Knex) {
    await tempAlertEpisodeTable(knex);
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists('temp_alert_episode');
  },
};

/** The CREATE TABLE, apart so a test can read its SQL without a database. */
export function tempAlertEpisodeTable(knex: Knex): Knex.SchemaBuilder {
  return knex.schema.createTable('temp_alert_episode', (t) => {
    t.bigIncrements('id').primary();
    t.string('episode_id', 200).notNullable().collate('utf8mb4_bin').comment('<deviceId>/<openedAt>/<direction>');
    t.string('device_id', 64).notNullable().collate('utf8mb4_bin');
    t.string('direction', 8).notNullable().comment('HIGH or LOW');
    t.string('status', 10).notNullable().comment('OPEN or RESOLVED');
    t.specificType('opened_at', 'DATETIME(3)').notNullable().comment('UTC, reading time of the first out-of-range reading');
    t.specificType('resolved_at', 'DATETIME(3)').nullable().comment('UTC, reading time of the reading that resolved it');
    t.specificType('first_temperature_f', 'DOUBLE').notNullable();
    t.specificType('peak_temperature_f', 'DOUBLE').notNullable();
    t.specificType('last_temperature_f', 'DOUBLE').notNullable();
    t.integer('readings').notNullable();
    t.bigInteger('duration_ms').notNullable();
    t.specificType('min_temp', 'DOUBLE').notNullable().comment('°F, in force then');
    t.specificType('max_temp', 'DOUBLE').notNullable().comment('°F, in force then');
    t.specificType('hysteresis', 'DOUBLE').notNullable().comment('°F');
    t.specificType('updated_at', 'DATETIME(3)').notNullable().comment('UTC, when the consumer last changed the row');
    t.specificType('notified_opened_at', 'DATETIME(3)').nullable().comment('UTC; NULL until the opening was told (or given up on)');
    t.specificType('notified_resolved_at', 'DATETIME(3)').nullable().comment('UTC; NULL until the resolving was told (or given up on)');
    t.string('notify_status', 16).nullable().comment('NULL until a notification settled; notified, or failed once any failed');
    t.string('notify_error', 1000).nullable().comment('which event failed to be told and why; names no URL credential or token');
    t.unique(['episode_id'], { indexName: 'uq_temp_alert_episode_id' });
    t.index(['device_id', 'opened_at'], 'ix_temp_alert_episode_device_opened');
    t.charset('utf8mb4');
    t.engine('InnoDB');
  });
}
