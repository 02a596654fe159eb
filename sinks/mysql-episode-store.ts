import type { Knex } from 'knex';
import mysql from 'mysql2';
import type { TempAlertEpisode } from '../schemas/index.js';
import { NOTIFY_STATUS } from './alert-row.js';
import { EPISODE_COLUMNS, EPISODE_RESOLVED_COLUMNS, EPISODE_STATUS, EPISODE_TABLE, episodeEventIdentity, toEpisodeRow } from './episode-row.js';
import { insertIgnoreCounting } from './insert-ignore.js';
import { isTransientMysqlError } from './mysql-errors.js';
import { toMysqlDatetime } from './mysql-datetime.js';
import { markNotifyFailed } from './notify-settling.js';
import { uniqueBy, type EventNotifyFailure, type NotifyingStore } from './notifying-store.js';
import { chunk, insertOnDuplicateKeyUpdate, quoteIdentifier } from './sql.js';
import { selectedRows } from './selected-rows.js';

/** Ids per statement. */
const IDS_PER_STATEMENT = 500;

/** The table's key: one row per episode. */
const EPISODE_KEY_COLUMNS = ['episode_id'] as const;

/** The column that settles the notification of each event. */
const NOTIFIED_COLUMN = { OPENED: 'notified_opened_at', RESOLVED: 'notified_resolved_at' } as const;

/**
 * A RESOLVED event moves a row still OPEN to RESOLVED with the resolving facts; on a row already
 * RESOLVED it changes nothing (the first resolution stays). `status` is assigned last: MySQL applies
 * assignments in order, and the others test the status as it was.
 */
const RESOLVE_ASSIGNMENTS = [
  ...EPISODE_RESOLVED_COLUMNS.map((c) => `${quoteIdentifier(c)} = IF(status = '${EPISODE_STATUS.open}', VALUES(${quoteIdentifier(c)}), ${quoteIdentifier(c)})`),
  `status = '${EPISODE_STATUS.resolved}'`,
].join(', ');

type EpisodeEventName = keyof typeof NOTIFIED_COLUMN;

interface StoredEpisode {
  readonly status: string;
  readonly notifiedOpened: boolean;
  readonly notifiedResolved: boolean;
}

/**
 * Table `temp_alert_episode`, one row per episode id. OPENED inserts the row (INSERT IGNORE: a
 * redelivery, or an OPENED arriving after its RESOLVED, changes nothing); RESOLVED moves it to
 * RESOLVED, or inserts it resolved if its OPENED was never stored. An event's notification is due
 * while its `notified_*_at` column is NULL.
 */
export class MysqlEpisodeStore implements NotifyingStore<TempAlertEpisode> {
  private readonly table = EPISODE_TABLE;

  constructor(
    private readonly knex: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  async record(episodes: readonly TempAlertEpisode[]): Promise<TempAlertEpisode[]> {
    const unique = uniqueBy(episodes, episodeEventIdentity);
    if (unique.length === 0) return [];
    const now = this.now();
    const opened = uniqueBy(
      unique.filter((e) => e.event === 'OPENED'),
      (e) => e.episodeId,
    ).map((e) => toEpisodeRow(e, now));
    const resolved = uniqueBy(
      unique.filter((e) => e.event === 'RESOLVED'),
      (e) => e.episodeId,
    ).map((e) => toEpisodeRow(e, now));
    return this.knex.transaction(async (trx) => {
      // OPENED first: a batch holding both events of an episode ends RESOLVED, whatever their order.
      if (opened.length > 0) await insertIgnoreCounting(trx, this.table, EPISODE_COLUMNS, opened);
      for (const part of chunk(resolved, IDS_PER_STATEMENT)) {
        const statement = insertOnDuplicateKeyUpdate(this.table, EPISODE_COLUMNS, part, RESOLVE_ASSIGNMENTS);
        await trx.raw(mysql.format(statement.sql, [...statement.bindings]));
      }
      const stored = await this.stored(
        trx,
        uniqueBy(unique, (e) => e.episodeId).map((e) => e.episodeId),
      );
      return unique.filter((e) => isDue(e, stored.get(e.episodeId)));
    });
  }

  async markNotified(episodes: readonly TempAlertEpisode[]): Promise<void> {
    const notifiedAt = toMysqlDatetime(this.now());
    for (const event of ['OPENED', 'RESOLVED'] as const) {
      const ids = [...new Set(episodes.filter((e) => e.event === event).map((e) => e.episodeId))];
      const column = quoteIdentifier(NOTIFIED_COLUMN[event]);
      for (const part of chunk(ids, IDS_PER_STATEMENT)) {
        await this.knex.raw(
          `UPDATE ${quoteIdentifier(this.table)} SET ${column} = ?, notify_status = IF(notify_status = ?, notify_status, ?) WHERE ${column} IS NULL AND episode_id IN (${part.map(() => '?').join(', ')})`,
          [notifiedAt, NOTIFY_STATUS.failed, NOTIFY_STATUS.notified, ...part],
        );
      }
    }
  }

  /** Settles the event's notification as failed, with which event and why. */
  async markFailed(failures: readonly EventNotifyFailure<TempAlertEpisode>[]): Promise<void> {
    const settledAt = toMysqlDatetime(this.now());
    await markNotifyFailed(
      this.knex,
      this.table,
      EPISODE_KEY_COLUMNS,
      failures.map(({ event: episode, error }) => ({
        key: { episode_id: episode.episodeId },
        error: `${episode.event}: ${error}`,
        eventColumn: { name: NOTIFIED_COLUMN[episode.event], at: settledAt },
      })),
    );
  }

  isTransient(error: unknown): boolean {
    return isTransientMysqlError(error);
  }

  private async stored(trx: Knex.Transaction, ids: readonly string[]): Promise<Map<string, StoredEpisode>> {
    const stored = new Map<string, StoredEpisode>();
    for (const part of chunk(ids, IDS_PER_STATEMENT)) {
      const result: unknown = await trx.raw(
        `SELECT episode_id, status, notified_opened_at, notified_resolved_at FROM ${quoteIdentifier(this.table)} WHERE episode_id IN (${part.map(() => '?').join(', ')})`,
        [...part],
      );
      const rows = selectedRows(result);
      for (const r of rows) {
        stored.set(String(r.episode_id), {
          status: String(r.status),
          notifiedOpened: r.notified_opened_at !== null && r.notified_opened_at !== undefined,
          notifiedResolved: r.notified_resolved_at !== null && r.notified_resolved_at !== undefined,
        });
      }
    }
    return stored;
  }
}

/** Whether a person is still to be told about this event of the stored episode. */
function isDue(episode: TempAlertEpisode, stored: StoredEpisode | undefined): boolean {
  if (!stored) return false;
  const event: EpisodeEventName = episode.event;
  return event === 'OPENED' ? !stored.notifiedOpened : stored.status === EPISODE_STATUS.resolved && !stored.notifiedResolved;
}
