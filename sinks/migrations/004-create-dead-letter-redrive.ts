import type { Knex } from 'knex';
import type { CodeMigration } from './migration.js';

/**
 * One row per dead letter re-driven: UNIQUE(dlq_topic, dlq_partition, dlq_offset) makes a second
 * re-drive of the same dead letter find the first instead of producing it again. `produced_at` stays
 * NULL between the claim and the broker's acknowledgement, so a re-drive cut short is tried again.
 */
export const createDeadLetterRedrive: CodeMigration = {
  name: '004-create-dead-letter-redrive',
  async up(knex: Knex) {
    await deadLetterRedriveTable(knex);
  },
  async down(knex: Knex) {
    await knex.schema.dropTableIfExists('dead_letter_redrive');
  },
};

/** The CREATE TABLE, apart so a test can read its SQL without a database. */
export function deadLetterRedriveTable(knex: Knex): Knex.SchemaBuilder {
  return knex.schema.createTable('dead_letter_redrive', (t) => {
    t.bigIncrements('id').primary();
    t.string('dlq_topic', 249).notNullable().collate('utf8mb4_bin');
    t.integer('dlq_partition').notNullable();
    t.bigInteger('dlq_offset').notNullable();
    t.string('source_topic', 249).notNullable();
    t.integer('source_partition').nullable();
    t.bigInteger('source_offset').nullable();
    t.string('redriven_by', 128).notNullable();
    t.specificType('redriven_at', 'DATETIME(3)').notNullable().comment('UTC, when it was claimed');
    t.specificType('produced_at', 'DATETIME(3)').nullable().comment('UTC; NULL until the broker acknowledged the copy');
    t.unique(['dlq_topic', 'dlq_partition', 'dlq_offset'], { indexName: 'uq_dead_letter_redrive_position' });
    t.charset('utf8mb4');
    t.engine('InnoDB');
  });
}
