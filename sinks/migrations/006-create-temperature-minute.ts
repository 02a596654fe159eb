import type { Knex } from 'knex';
import type { CodeMigration } from './migration.js';

/**
 * One row per device and minute: the closed one-minute window's count, min, max and mean, °F.
 * UNIQUE(device_id, window_start) makes a window emitted twice (a redelivery, a restart) one row.
 */
export const createTemperatureMinute: CodeMigration = {
  name: '006-create-temperature-minute',
  async up(knex: Knex) {
    await temperatureMinuteTable(knex);
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists('temperature_minute');
  },
};

/** The CREATE TABLE, apart so a test can read its SQL without a database. */
export function temperatureMinuteTable(knex: Knex): Knex.SchemaBuilder {
  return knex.schema.createTable('temperature_minute', (t) => {
    t.bigIncrements('id').primary();
    t.string('device_id', 64).notNullable().collate('utf8mb4_bin');
    t.specificType('window_start', 'DATETIME(3)').notNullable().comment('UTC, inclusive');
    t.specificType('window_end', 'DATETIME(3)').notNullable().comment('UTC, exclusive');
    t.integer('readings').notNullable();
    t.specificType('min_f', 'DOUBLE').notNullable();
    t.specificType('max_f', 'DOUBLE').notNullable();
    t.specificType('mean_f', 'DOUBLE').notNullable();
    t.unique(['device_id', 'window_start'], { indexName: 'uq_temperature_minute_window' });
    t.charset('utf8mb4');
    t.engine('InnoDB');
  });
}
