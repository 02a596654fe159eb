import type { Knex } from 'knex';
import type { TempRangeAlert } from '../schemas/index.js';
import { ALERT_COLUMNS, ALERT_KEY_COLUMNS, ALERT_TABLE, alertIdentity, alertKeyOf, toAlertRow, type AlertKey } from './alert-row.js';
import { uniqueByIdentity, type AlertStore, type NotifyFailure } from './alert-store.js';
import { agreeingAlerts } from './conflicting-readings.js';
import { insertIgnoreCounting } from './insert-ignore.js';
import { isTransientMysqlError } from './mysql-errors.js';
import { toMysqlDatetime } from './mysql-datetime.js';
import { markNotifyFailed, markRowsNotified, ROW_NOT_SETTLED } from './notify-settling.js';
import { chunk, quoteIdentifier, tupleIn } from './sql.js';
import { selectedRows } from './selected-rows.js';

/** Keys per lookup statement. */
const KEYS_PER_STATEMENT = 500;

/**
 * Table `temp_range_alert`, idempotent on UNIQUE(device_id, reading_time, rule, direction). An alert
 * whose reading differs from the stored `temperature` row (a conflicting duplicate, dead-lettered by
 * the readings sink) is neither stored nor handed back for notification.
 */
export class MysqlAlertStore implements AlertStore {
  private readonly table = ALERT_TABLE;

  constructor(
    private readonly knex: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  async record(alerts: readonly TempRangeAlert[]): Promise<TempRangeAlert[]> {
    const unique = uniqueByIdentity(alerts);
    if (unique.length === 0) return [];
    const createdAt = this.now();
    return this.knex.transaction(async (trx) => {
      const agreeing = await agreeingAlerts(trx, unique);
      if (agreeing.length === 0) return [];
      await insertIgnoreCounting(
        trx,
        this.table,
        ALERT_COLUMNS,
        agreeing.map((a) => toAlertRow(a, createdAt)),
      );
      const waiting = new Set<string>();
      for (const keys of chunk(agreeing.map(alertKeyOf), KEYS_PER_STATEMENT)) {
        const match = tupleIn(ALERT_KEY_COLUMNS, keys);
        const rows: unknown = await trx.raw(
          `SELECT ${ALERT_KEY_COLUMNS.map(quoteIdentifier).join(', ')} FROM ${quoteIdentifier(this.table)} WHERE ${ROW_NOT_SETTLED} AND ${match.sql}`,
          [...match.bindings],
        );
        for (const key of keyRowsOf(rows)) waiting.add(alertIdentity(key));
      }
      return agreeing.filter((a) => waiting.has(alertIdentity(alertKeyOf(a))));
    });
  }

  async markNotified(alerts: readonly TempRangeAlert[]): Promise<void> {
    const keys = uniqueByIdentity(alerts).map(alertKeyOf);
    if (keys.length === 0) return;
    await markRowsNotified(this.knex, this.table, ALERT_KEY_COLUMNS, keys, toMysqlDatetime(this.now()));
  }

  async markFailed(failures: readonly NotifyFailure[]): Promise<void> {
    await markNotifyFailed(
      this.knex,
      this.table,
      ALERT_KEY_COLUMNS,
      failures.map(({ alert, error }) => ({ key: alertKeyOf(alert), error })),
    );
  }

  isTransient(error: unknown): boolean {
    return isTransientMysqlError(error);
  }
}

/**
 * mysql2 answers a raw SELECT with `[rows, fields]`. The connection must return DATETIME as text
 * (`dateStrings`, as createKnex sets) for keys to compare equal to the ones written.
 */
function keyRowsOf(result: unknown): AlertKey[] {
  const rows = selectedRows(result);
  return rows.map((r) => ({
    device_id: String(r.device_id),
    reading_time: normalizeDatetime(r.reading_time),
    rule: String(r.rule),
    direction: String(r.direction),
  }));
}

/** DATETIME(3) as written: `YYYY-MM-DD HH:MM:SS.mmm`, whether the driver gave text or a Date. */
function normalizeDatetime(value: unknown): string {
  if (value instanceof Date) return toMysqlDatetime(value.getTime());
  return String(value);
}
