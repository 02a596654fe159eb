import type { Knex } from 'knex';
import type { DeviceSilence } from '../schemas/index.js';
import { insertIgnoreCounting } from './insert-ignore.js';
import { isTransientMysqlError } from './mysql-errors.js';
import { fromMysqlDatetime, toMysqlDatetime } from './mysql-datetime.js';
import { uniqueBy, type EventNotifyFailure, type NotifyingStore } from './notifying-store.js';
import { SILENCE_COLUMNS, SILENCE_KEY_COLUMNS, SILENCE_TABLE, silenceIdentity, silenceKeyOf, toSilenceRow, type SilenceKey } from './silence-row.js';
import { markNotifyFailed, markRowsNotified, ROW_NOT_SETTLED } from './notify-settling.js';
import { chunk, quoteIdentifier, tupleIn } from './sql.js';
import { selectedRows } from './selected-rows.js';

/** Keys per statement. */
const KEYS_PER_STATEMENT = 500;

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
          `SELECT device_id, event, last_seen_at FROM ${quoteIdentifier(this.table)} WHERE ${ROW_NOT_SETTLED} AND ${match.sql}`,
          [...match.bindings],
        );
        for (const key of keyRowsOf(result)) waiting.add(silenceIdentity(key));
      }
      return unique.filter((e) => waiting.has(identityOf(e)));
    });
  }

  async markNotified(events: readonly DeviceSilence[]): Promise<void> {
    const keys = uniqueBy(events, identityOf).map(silenceKeyOf);
    await markRowsNotified(this.knex, this.table, SILENCE_KEY_COLUMNS, keys, toMysqlDatetime(this.now()));
  }

  async markFailed(failures: readonly EventNotifyFailure<DeviceSilence>[]): Promise<void> {
    await markNotifyFailed(
      this.knex,
      this.table,
      SILENCE_KEY_COLUMNS,
      failures.map(({ event, error }) => ({ key: silenceKeyOf(event), error })),
    );
  }

  isTransient(error: unknown): boolean {
    return isTransientMysqlError(error);
  }
}

/** mysql2 answers a raw SELECT with `[rows, fields]`; DATETIME comes back as text (createKnex's `dateStrings`) or a Date. */
function keyRowsOf(result: unknown): SilenceKey[] {
  const rows = selectedRows(result);
  return rows.map((r) => ({
    device_id: String(r.device_id),
    event: String(r.event),
    last_seen_at: r.last_seen_at instanceof Date ? toMysqlDatetime(fromMysqlDatetime(r.last_seen_at)) : String(r.last_seen_at),
  }));
}
