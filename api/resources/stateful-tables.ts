/**
 * The tables the stateful part of the pipeline writes (episodes, per-minute rollups, silences), read
 * by the API. Their migrations come with the sinks that write them; until a database has them, the
 * routes over them answer 503 naming the table, and device status leaves their columns out.
 */
import type { Knex } from 'knex';
import { ApiError } from '../errors.js';

export const EPISODE_TABLE = 'temp_alert_episode';
export const MINUTE_TABLE = 'temperature_minute';
export const SILENCE_TABLE = 'device_silence';

const isMissingTable = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === 'ER_NO_SUCH_TABLE';

/** Runs `read`; a missing table becomes 503 with what to do, instead of a 500. */
export async function readingTable<T>(table: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (isMissingTable(err)) throw new ApiError(503, 'Service Unavailable', `table ${table} does not exist yet: run tempstream migrate`);
    throw err;
  }
}

/** How long a "not there" answer is believed before asking the database again. */
const RECHECK_MS = 10_000;

/** Whether a table exists, asked once it does and at most every 10 s while it does not. */
export function tablePresence(knex: Knex, table: string, now: () => number = Date.now): () => Promise<boolean> {
  let present = false;
  let checkedAt = -Infinity;
  return async () => {
    if (present || now() - checkedAt < RECHECK_MS) return present;
    checkedAt = now();
    present = await knex.schema.hasTable(table);
    return present;
  };
}
