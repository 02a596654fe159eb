import type { Knex } from 'knex';
import type { CodeMigration } from './migration.js';

/**
 * One row per finding: UNIQUE(device_id, reading_time, rule, direction) is the reading's natural key
 * plus what was found, so a reading produced twice or an alert redelivered is stored once.
 * `notified_at` stays NULL until a person was told: the consumer notifies at least once.
 */
export const createTempRangeAlert: CodeMigration = {
  name: '002-create-temp-range-alert',
  async up(knex: Knex) {
    await tempRangeAlertTable(knex);
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists('temp_range_alert');
  },
};

/** The CREATE TABLE, apart so a test can read its SQL without a database. */
export function tempRangeAlertTable(knex: Knex): Knex.SchemaBuilder {
  return knex.schema.createTable('temp_range_alert', (t) => {
    t.bigIncrements('id').primary();
    t.string('device_id', 64).notNullable().collate('utf8mb4_bin');
    t.specificType('reading_time', 'DATETIME(3)').notNullable().comment('UTC');
    t.string('rule', 64).notNullable().collate('utf8mb4_bin');
    t.string('direction', 8).notNullable().comment('HIGH or LOW');
    t.specificType('temperature', 'DOUBLE').notNullable().comment('in `unit`, as received');
    t.string('unit', 16).notNullable();
    t.specificType('temperature_f', 'DOUBLE').notNullable();
    t.specificType('bound', 'DOUBLE').notNullable().comment('the limit crossed, °F');
    t.specificType('min_temp', 'DOUBLE').notNullable().comment('°F, in force then');
    t.specificType('max_temp', 'DOUBLE').notNullable().comment('°F, in force then');
    t.string('source_topic', 249).notNullable();
    t.integer('source_partition').notNullable();
    t.bigInteger('source_offset').notNullable();
    t.specificType('created_at', 'DATETIME(3)').notNullable().comment('UTC');
    t.specificType('notified_at', 'DATETIME(3)').nullable().comment('UTC; NULL until notified');
    t.unique(['device_id', 'reading_time', 'rule', 'direction'], { indexName: 'uq_temp_range_alert_finding' });
    t.charset('utf8mb4');
    t.engine('InnoDB');
  });
}
