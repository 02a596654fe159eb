import type { Knex } from 'knex';
import { cutToCharacters, MAX_NOTIFY_ERROR_LENGTH, NOTIFY_STATUS } from './alert-row.js';
import { chunk, quoteIdentifier, tupleIn, type SqlValue, type Statement } from './sql.js';

/**
 * How the notifying tables (temp_range_alert, device_silence, temp_alert_episode) settle a
 * notification in SQL: one place, so the three stores cannot drift apart. Values are always bound;
 * only identifiers (quoted) and the constants below are written into the text.
 */

/** A row with one notification: neither notified nor given up on, a person is still to be told. */
export const ROW_NOT_SETTLED = 'notified_at IS NULL AND notify_status IS NULL';

/** Keys per statement when many rows are settled at once. */
const KEYS_PER_STATEMENT = 500;

/** A notification that failed for good: the row's key, why, and for a row with one notification per event, which. */
export interface NotifyFailedRow<C extends string> {
  readonly key: Readonly<Record<C, SqlValue>>;
  /** Stored in `notify_error`, cut to the column. */
  readonly error: string;
  /**
   * For a row that settles each of its events in a column of its own (an episode's opened and
   * resolved): that column, set to `at`, and due while NULL. Without it the row has one
   * notification, due while ROW_NOT_SETTLED.
   */
  readonly eventColumn?: { readonly name: string; readonly at: string };
}

/** The UPDATE that settles one failure, only where it is not settled yet (a redelivery changes nothing). */
export function notifyFailedStatement<C extends string>(table: string, keyColumns: readonly C[], failure: NotifyFailedRow<C>): Statement {
  const match = tupleIn(keyColumns, [failure.key]);
  const error = cutToCharacters(failure.error, MAX_NOTIFY_ERROR_LENGTH);
  const target = quoteIdentifier(table);
  if (failure.eventColumn === undefined) {
    return {
      sql: `UPDATE ${target} SET notify_status = ?, notify_error = ? WHERE ${ROW_NOT_SETTLED} AND ${match.sql}`,
      bindings: [NOTIFY_STATUS.failed, error, ...match.bindings],
    };
  }
  const column = quoteIdentifier(failure.eventColumn.name);
  return {
    sql: `UPDATE ${target} SET ${column} = ?, notify_status = ?, notify_error = ? WHERE ${column} IS NULL AND ${match.sql}`,
    bindings: [failure.eventColumn.at, NOTIFY_STATUS.failed, error, ...match.bindings],
  };
}

/** Settles each failure with its own reason: one statement each, as failures are rare (a broken channel). */
export async function markNotifyFailed<C extends string>(
  knex: Knex,
  table: string,
  keyColumns: readonly C[],
  failures: readonly NotifyFailedRow<C>[],
): Promise<void> {
  for (const failure of failures) {
    const statement = notifyFailedStatement(table, keyColumns, failure);
    await knex.raw(statement.sql, [...statement.bindings]);
  }
}

/** Marks rows with one notification as told at `notifiedAt`, only where not settled yet (a failure stays failed). */
export async function markRowsNotified<C extends string>(
  knex: Knex,
  table: string,
  keyColumns: readonly C[],
  keys: readonly Readonly<Record<C, SqlValue>>[],
  notifiedAt: string,
): Promise<void> {
  for (const part of chunk(keys, KEYS_PER_STATEMENT)) {
    const match = tupleIn(keyColumns, part);
    await knex.raw(`UPDATE ${quoteIdentifier(table)} SET notified_at = ?, notify_status = ? WHERE ${ROW_NOT_SETTLED} AND ${match.sql}`, [
      notifiedAt,
      NOTIFY_STATUS.notified,
      ...match.bindings,
    ]);
  }
}
