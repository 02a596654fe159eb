/**
 * A reading whose (device, time) row exists with another temperature or unit is a conflict, not a
 * redelivery: the row keeps the first reading (INSERT IGNORE), the later one is dead-lettered with
 * rule `conflicting-duplicate`, and no alert may stay in `temp_range_alert` that the row contradicts.
 * Two guards keep alerts and rows in agreement, whichever of them reaches MySQL first:
 * - the alert store keeps no alert whose reading differs from its stored row (`agreeingAlerts`);
 * - the readings sink, on finding a conflict, deletes the alerts its row contradicts, stored while no
 *   row existed yet (`deleteContradictedAlerts`).
 * Both read `temperature` before writing `temp_range_alert`, so their locks are taken in one order.
 */
import type { Knex } from 'knex';
import type { TempRangeAlert } from '../schemas/index.js';
import { ValidationError } from '../topology/index.js';
import { ALERT_TABLE } from './alert-row.js';
import { toMysqlDatetime } from './mysql-datetime.js';
import { chunk, quoteIdentifier, tupleIn } from './sql.js';
import { TEMPERATURE_TABLE, temperatureRowIdentity, type TemperatureRow } from './temperature-row.js';
import { selectedRows } from './selected-rows.js';

export const CONFLICTING_DUPLICATE_RULE = 'conflicting-duplicate';

/** Keys per lookup statement. */
const KEYS_PER_STATEMENT = 500;

type StoredValues = Pick<TemperatureRow, 'device_id' | 'reading_time' | 'temperature' | 'unit'>;

export const sameValues = (a: Pick<TemperatureRow, 'temperature' | 'unit'>, b: Pick<TemperatureRow, 'temperature' | 'unit'>): boolean =>
  a.temperature === b.temperature && a.unit === b.unit;

/** The dead letter's reason for `row`, which found `kept` in the table under its key. */
export const conflictError = (row: TemperatureRow, kept: Pick<TemperatureRow, 'temperature' | 'unit'>): ValidationError =>
  new ValidationError(
    CONFLICTING_DUPLICATE_RULE,
    `device ${JSON.stringify(row.device_id)} at ${row.reading_time} UTC reported ${row.temperature} ${row.unit}, but ${kept.temperature} ${kept.unit} is stored for that device and time; the stored reading is kept`,
  );

/** The rows of `table` with the keys of `keys`, by identity. `lock`: a shared lock, held to the transaction's end. */
async function storedValues(
  trx: Knex.Transaction,
  table: string,
  keys: readonly Pick<TemperatureRow, 'device_id' | 'reading_time'>[],
  lock: boolean,
): Promise<Map<string, StoredValues>> {
  const stored = new Map<string, StoredValues>();
  for (const part of chunk(keys, KEYS_PER_STATEMENT)) {
    const match = tupleIn(['device_id', 'reading_time'], part);
    const result: unknown = await trx.raw(
      `SELECT device_id, reading_time, temperature, unit FROM ${quoteIdentifier(table)} WHERE ${match.sql}${lock ? ' LOCK IN SHARE MODE' : ''}`,
      [...match.bindings],
    );
    const rows = selectedRows(result);
    for (const r of rows) {
      const row: StoredValues = {
        device_id: String(r.device_id),
        reading_time: String(r.reading_time),
        temperature: Number(r.temperature),
        unit: String(r.unit),
      };
      stored.set(temperatureRowIdentity(row), row);
    }
  }
  return stored;
}

/**
 * After an INSERT IGNORE that skipped rows: which of `rows` differ from the row the table keeps for
 * their key (by index in `rows`), each with the error that dead-letters it. Identical values (a
 * redelivery, or one reading produced twice) are no conflict.
 */
export async function findConflicts(trx: Knex.Transaction, table: string, rows: readonly TemperatureRow[]): Promise<Map<number, ValidationError>> {
  const stored = await storedValues(trx, table, rows, false);
  const conflicts = new Map<number, ValidationError>();
  rows.forEach((row, index) => {
    const kept = stored.get(temperatureRowIdentity(row));
    if (kept && !sameValues(kept, row)) conflicts.set(index, conflictError(row, kept));
  });
  return conflicts;
}

/** Deletes the alerts of these keys that the stored row contradicts; returns how many. */
export async function deleteContradictedAlerts(
  trx: Knex.Transaction,
  table: string,
  keys: readonly Pick<TemperatureRow, 'device_id' | 'reading_time'>[],
): Promise<number> {
  let deleted = 0;
  for (const part of chunk(keys, KEYS_PER_STATEMENT)) {
    const bindings = part.flatMap((k) => [k.device_id, k.reading_time]);
    const result: unknown = await trx.raw(
      `DELETE a FROM ${quoteIdentifier(ALERT_TABLE)} AS a JOIN ${quoteIdentifier(table)} AS t ON t.device_id = a.device_id AND t.reading_time = a.reading_time
       WHERE (a.device_id, a.reading_time) IN (${part.map(() => '(?, ?)').join(', ')}) AND NOT (a.temperature = t.temperature AND a.unit = t.unit)`,
      bindings,
    );
    const header: unknown = Array.isArray(result) ? result[0] : result;
    deleted += typeof header === 'object' && header !== null ? Number((header as { affectedRows?: unknown }).affectedRows ?? 0) : 0;
  }
  return deleted;
}

/** The alerts whose reading agrees with its stored row, or has none yet. Locks those rows against change until commit. */
export async function agreeingAlerts(trx: Knex.Transaction, alerts: readonly TempRangeAlert[]): Promise<TempRangeAlert[]> {
  const keyOf = (a: TempRangeAlert) => ({ device_id: a.reading.deviceId, reading_time: toMysqlDatetime(a.reading.readingTime) });
  const stored = await storedValues(trx, TEMPERATURE_TABLE, alerts.map(keyOf), true);
  return alerts.filter((a) => {
    const kept = stored.get(temperatureRowIdentity(keyOf(a)));
    return !kept || sameValues(kept, a.reading);
  });
}
