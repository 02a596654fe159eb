/**
 * The tables of the stateful features (temp_alert_episode, temperature_minute, device_silence) as the
 * common brief defines them, for tests of their readers while the migrations that create them are
 * written elsewhere. Each is created only when missing: once the migrations run, this does nothing.
 */
import type { Knex } from 'knex';

export async function ensureStatefulTables(knex: Knex): Promise<void> {
  if (!(await knex.schema.hasTable('temp_alert_episode'))) {
    await knex.schema.createTable('temp_alert_episode', (t) => {
      t.bigIncrements('id').primary();
      t.string('episode_id', 200).notNullable().collate('utf8mb4_bin').unique();
      t.string('device_id', 64).notNullable().collate('utf8mb4_bin');
      t.string('direction', 8).notNullable();
      t.string('status', 10).notNullable();
      t.specificType('opened_at', 'DATETIME(3)').notNullable();
      t.specificType('resolved_at', 'DATETIME(3)').nullable();
      t.specificType('first_temperature_f', 'DOUBLE').notNullable();
      t.specificType('peak_temperature_f', 'DOUBLE').notNullable();
      t.specificType('last_temperature_f', 'DOUBLE').notNullable();
      t.integer('readings').notNullable();
      t.bigInteger('duration_ms').notNullable();
      t.specificType('min_temp', 'DOUBLE').notNullable();
      t.specificType('max_temp', 'DOUBLE').notNullable();
      t.specificType('hysteresis', 'DOUBLE').notNullable();
      t.specificType('updated_at', 'DATETIME(3)').notNullable();
      t.specificType('notified_opened_at', 'DATETIME(3)').nullable();
      t.specificType('notified_resolved_at', 'DATETIME(3)').nullable();
      t.string('notify_status', 16).nullable();
      t.string('notify_error', 1000).nullable();
      t.index(['device_id', 'opened_at']);
      t.charset('utf8mb4');
    });
  }
  if (!(await knex.schema.hasTable('temperature_minute'))) {
    await knex.schema.createTable('temperature_minute', (t) => {
      t.bigIncrements('id').primary();
      t.string('device_id', 64).notNullable().collate('utf8mb4_bin');
      t.specificType('window_start', 'DATETIME(3)').notNullable();
      t.specificType('window_end', 'DATETIME(3)').notNullable();
      t.integer('readings').notNullable();
      t.specificType('min_f', 'DOUBLE').notNullable();
      t.specificType('max_f', 'DOUBLE').notNullable();
      t.specificType('mean_f', 'DOUBLE').notNullable();
      t.unique(['device_id', 'window_start']);
      t.charset('utf8mb4');
    });
  }
  if (!(await knex.schema.hasTable('device_silence'))) {
    await knex.schema.createTable('device_silence', (t) => {
      t.bigIncrements('id').primary();
      t.string('device_id', 64).notNullable().collate('utf8mb4_bin');
      t.string('event', 8).notNullable();
      t.specificType('last_seen_at', 'DATETIME(3)').notNullable();
      t.specificType('detected_at', 'DATETIME(3)').notNullable();
      t.bigInteger('silence_ms').notNullable();
      t.specificType('notified_at', 'DATETIME(3)').nullable();
      t.unique(['device_id', 'event', 'last_seen_at']);
      t.charset('utf8mb4');
    });
  }
}
