import type { Knex } from 'knex';
import type { CodeMigration } from './migration.js';

/**
 * One row per device and instant. `unit` is VARCHAR rather than ENUM so a new Avro symbol needs no
 * table change; `device_id` compares byte for byte (utf8mb4_bin), as Kafka keys and the in-memory sink do.
 */
export const createTemperature: CodeMigration = {
  name: '001-create-temperature',
  async up(knex: Knex) {
    await temperatureTable(knex);
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists('temperature');
  },
};

/** The CREATE TABLE, apart so a test can read its SQL without a database. */
export function temperatureTable(knex: Knex): Knex.SchemaBuilder {
  return knex.schema.createTable('temperature', (t) => {
    t.bigIncrements('id').primary();
    t.string('device_id', 64).notNullable().collate('utf8mb4_bin');
    t.specificType('reading_time', 'DATETIME(3)').notNullable().comment('UTC');
    t.specificType('temperature', 'DOUBLE').notNullable().comment('in `unit`, as received');
    t.string('unit', 16).notNullable();
    t.specificType('received_at', 'DATETIME(3)').notNullable().comment('UTC, when the sink wrote it');
    t.string('source_topic', 249).notNullable();
    t.integer('source_partition').notNullable();
    t.bigInteger('source_offset').notNullable();
    t.unique(['device_id', 'reading_time'], { indexName: 'uq_temperature_device_reading_time' });
    t.charset('utf8mb4');
    t.engine('InnoDB');
  });
}
