import type { Knex } from 'knex';
import type { DeviceSilence } from '../schemas/index.js';
import { cutToCharacters, MAX_NOTIFY_ERROR_LENGTH, NOTIFY_STATUS } from './alert-row.js';
import { insertIgnoreCounting } from './insert-ignore.js';
import { isTransientMysqlError } from './mysql-errors.js';
import { fromMysqlDatetime, toMysqlDatetime } from './mysql-datetime.js';
import { uniqueBy, type EventNotifyFailure, type NotifyingStore } from './notifying-store.js';
import { SILENCE_COLUMNS, SILENCE_KEY_COLUMNS, SILENCE_TABLE, silenceIdentity, silenceKeyOf, toSilenceRow, type SilenceKey } from './silence-row.js';
import { chunk, quoteIdentifier, tupleIn } from './sql.js';

/** Keys per statement. */
const KEYS_PER_STATEMENT = 500;

/** Neither notified nor given up on: a person is still to be told. */
const NOT_SETTLED = 'notified_at IS NULL AND notify_status IS NULL';

const identityOf = (silence: DeviceSilence): string => silenceIdentity(silenceKeyOf(silence));

/** Table `device_silence`, idempotent on UNIQUE(device_id, event, last_seen_at), notified like temp_range_alert. */
export class MysqlSilenceStore implements NotifyingStore<DeviceSilence> {
  private readonly table = SILENCE_TABLE;

  constructor(
    private readonly knex: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  async record(events: readonly DeviceSilence[]): Promise<DeviceSilence[]> {
    const unique = uniqueBy(events, identityOf);
    if (unique.length === 0) return [];
    return this.knex.transaction(async (trx) => {
      await insertIgnoreCounting(trx, this.table, SILENCE_COLUMNS, unique.map(toSilenceRow));
      const waiting = new Set<string>();
      for (const keys of chunk(unique.map(silenceKeyOf), KEYS_PER_STATEMENT)) {
        const match = tupleIn(SILENCE_KEY_COLUMNS, keys);
        const result: unknown = await trx.raw(
          `SELECT device_id, event, last_seen_at FROM ${quoteIdentifier(this.table)} WHERE ${NOT_SETTLED} AND ${match.sql}`,
          [...match.bindings],
        );
        for (const key of keyRowsOf(result)) waiting.add(silenceIdentity(key));
      }
      return unique.filter((e) => waiting.has(identityOf(e)));
    });
  }

  async markNotified(events: readonly DeviceSilence[]): Promise<void> {
    const keys = uniqueBy(events, identityOf).map(silenceKeyOf);
    const notifiedAt = toMysqlDatetime(this.now());
    for (const part of chunk(keys, KEYS_PER_STATEMENT)) {
      const match = tupleIn(SILENCE_KEY_COLUMNS, part);
      await this.knex.raw(`UPDATE ${quoteIdentifier(this.table)} SET notified_at = ?, notify_status = ? WHERE ${NOT_SETTLED} AND ${match.sql}`, [
        notifiedAt,
        NOTIFY_STATUS.notified,
        ...match.bindings,
      ]);
    }
  }

  async markFailed(failures: readonly EventNotifyFailure<DeviceSilence>[]): Promise<void> {
    for (const { event, error } of failures) {
      const match = tupleIn(SILENCE_KEY_COLUMNS, [silenceKeyOf(event)]);
      await this.knex.raw(`UPDATE ${quoteIdentifier(this.table)} SET notify_status = ?, notify_error = ? WHERE ${NOT_SETTLED} AND ${match.sql}`, [
        NOTIFY_STATUS.failed,
        cutToCharacters(error, MAX_NOTIFY_ERROR_LENGTH),
        ...match.bindings,
      ]);
    }
  }

  isTransient(error: unknown): boolean {
    return isTransientMysqlError(error);
  }
}

/** mysql2 answers a raw SELECT with `[rows, fields]`; DATETIME comes back as text (createKnex's `dateStrings`) or a Date. */
function keyRowsOf(result: unknown): SilenceKey[] {
  const rows: unknown = Array.isArray(result) ? result[0] : undefined;
  if (!Array.isArray(rows)) throw new Error('unexpected result from the MySQL driver: expected rows');
  return rows.map((r: Record<string, unknown>) => ({
    device_id: String(r.device_id),
    event: String(r.event),
    last_seen_at: r.last_seen_at instanceof Date ? toMysqlDatetime(fromMysqlDatetime(r.last_seen_at)) : String(r.last_seen_at),
  }));
}
