import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { readingTable, tablePresence } from './stateful-tables.js';

/** A knex whose schema.hasTable answers from a flag and counts the questions. */
function fakeKnex(exists: () => boolean): { knex: Knex; asked: () => number } {
  let asked = 0;
  const knex = {
    schema: {
      hasTable: () => {
        asked += 1;
        return Promise.resolve(exists());
      },
    },
  } as unknown as Knex;
  return { knex, asked: () => asked };
}

describe('tablePresence', () => {
  it('asks again only every 10 s while the table is missing, and never again once it is there', async () => {
    let now = 0;
    let exists = false;
    const { knex, asked } = fakeKnex(() => exists);
    const present = tablePresence(knex, 'temp_alert_episode', () => now);
    expect(await present()).toBe(false);
    now = 9_999;
    expect(await present()).toBe(false);
    expect(asked()).toBe(1);
    exists = true;
    now = 10_000;
    expect(await present()).toBe(true);
    now = 1_000_000;
    expect(await present()).toBe(true);
    expect(asked()).toBe(2);
  });
});

describe('readingTable', () => {
  it('turns a missing table into 503 naming it, and passes other errors through', async () => {
    const missing = Object.assign(new Error("Table 'x.temperature_minute' doesn't exist"), { code: 'ER_NO_SUCH_TABLE' });
    const error = await readingTable('temperature_minute', () => Promise.reject(missing)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 503, message: expect.stringContaining('temperature_minute') as unknown });
    const other = new Error('connection lost');
    await expect(readingTable('temperature_minute', () => Promise.reject(other))).rejects.toBe(other);
  });
});
