import type { Knex } from 'knex';
import type { CodeMigration } from './migration.js';

/**
 * Whether notifying about an alert is settled: `notified`, or `failed` (for good, or out of
 * attempts) with `notify_error` saying why. NULL while waiting: a redelivered alert is only told
 * again while both this and `notified_at` are NULL. Alerts notified before this column existed are
 * marked `notified`.
 */
export const addAlertNotifyStatus: CodeMigration = {
  name: '003-add-alert-notify-status',
  async up(knex: Knex) {
    await notifyStatusColumns(knex);
    await markNotifiedBefore(knex);
  },
  async down(knex: Knex) {
    await knex.schema.alterTable('temp_range_alert', (t) => {
      t.dropColumn('notify_error');
      t.dropColumn('notify_status');
    });
  },
};

/** The ALTER TABLE, apart so a test can read its SQL without a database. */
export function notifyStatusColumns(knex: Knex): Knex.SchemaBuilder {
  return knex.schema.alterTable('temp_range_alert', (t) => {
    t.string('notify_status', 16).nullable().comment('NULL while waiting; notified or failed');
    t.string('notify_error', 1000).nullable().comment('why notifying failed; names no URL credential or token');
  });
}

export function markNotifiedBefore(knex: Knex): Knex.QueryBuilder {
  return knex('temp_range_alert').update({ notify_status: 'notified' }).whereNotNull('notified_at');
}
