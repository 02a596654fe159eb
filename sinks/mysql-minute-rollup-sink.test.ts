import { describe, expect, it } from 'vitest';
import { SinkError } from '../topology/index.js';
import type { MinuteRollup, MinuteRollupRecord } from './minute-rollup-row.js';
import { MysqlMinuteRollupSink } from './mysql-minute-rollup-sink.js';
import { fakeKnex, insertResult } from './testing/fake-knex.js';
import { InMemoryMinuteRollupSink } from './testing/in-memory-minute-rollup-sink.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1, 10);
const rollup = (deviceId: string, minute = 0, value: Partial<MinuteRollup> = {}): MinuteRollupRecord => ({
  key: { key: deviceId, window: { start: T0 + minute * MINUTE, end: T0 + (minute + 1) * MINUTE } },
  value: { count: 3, min: 68, max: 72.5, mean: 70.25, ...value },
  headers: {},
  timestamp: T0 + (minute + 1) * MINUTE,
  source: { topic: 'temperature-readings', partition: 0, offset: '7' },
});

describe('MysqlMinuteRollupSink', () => {
  it('writes a batch as one multi-row INSERT IGNORE in one transaction and counts windows already stored', async () => {
    const db = fakeKnex(() => insertResult(2, 1));
    const sink = new MysqlMinuteRollupSink(db.knex);
    const outcome = await sink.write([rollup('a'), rollup('b'), rollup('a')]);
    expect(outcome.rejected?.size).toBe(0);
    const row = (id: string) => `('${id}', '2026-01-01 10:00:00.000', '2026-01-01 10:01:00.000', 3, 68, 72.5, 70.25)`;
    expect(db.calls.map((c) => [c.sql, c.inTransaction])).toEqual([
      [
        'INSERT IGNORE INTO `temperature_minute` (`device_id`, `window_start`, `window_end`, `readings`, `min_f`, `max_f`, `mean_f`) ' +
          `VALUES ${row('a')}, ${row('b')}, ${row('a')}`,
        true,
      ],
    ]);
    expect(db.outcomes).toEqual(['commit']);
    expect(sink.counters).toEqual({ stored: 2, alreadyPresent: 1, rejected: 0, batches: 1 });
  });

  it.each([
    ['a NaN mean', rollup('nan', 0, { mean: Number.NaN }), /mean NaN is not a finite number/],
    ['no readings', rollup('empty', 0, { count: 0 }), /count 0 is not a number of readings/],
    ['a device id too long', rollup('x'.repeat(65)), /deviceId must be 1 to 64 characters/],
    ['a window ending before it starts', { ...rollup('w'), key: { key: 'w', window: { start: T0, end: T0 } } }, /is not after its start/],
    ['no key', { ...rollup('k'), key: null as unknown as MinuteRollupRecord['key'] }, /no device and window key/],
  ])('refuses %s alone, permanently, and writes the rest', async (_what, poison, reason) => {
    const db = fakeKnex(() => insertResult(1));
    const sink = new MysqlMinuteRollupSink(db.knex);
    const outcome = await sink.write([poison, rollup('ok')]);
    expect([...(outcome.rejected?.keys() ?? [])]).toEqual([0]);
    const error = outcome.rejected?.get(0);
    expect(error).toBeInstanceOf(SinkError);
    expect(error?.message).toMatch(reason);
    expect(db.calls).toHaveLength(1);
    expect(db.calls[0]!.sql).toContain("VALUES ('ok', ");
    expect(sink.counters).toEqual({ stored: 1, alreadyPresent: 0, rejected: 1, batches: 1 });
  });

  it('counts nothing for a batch whose transaction failed, and calls a deadlock transient', async () => {
    let attempt = 0;
    const db = fakeKnex(() => {
      if (attempt++ === 0) throw Object.assign(new Error('Deadlock found'), { code: 'ER_LOCK_DEADLOCK' });
      return insertResult(1);
    });
    const sink = new MysqlMinuteRollupSink(db.knex);
    await expect(sink.write([rollup('a')])).rejects.toSatisfy((e) => sink.isTransient(e));
    await sink.write([rollup('a')]);
    expect(db.outcomes).toEqual(['rollback', 'commit']);
    expect(sink.counters).toEqual({ stored: 1, alreadyPresent: 0, rejected: 0, batches: 1 });
  });
});

describe('InMemoryMinuteRollupSink', () => {
  it('keeps the first row of a window, refuses what the table would, and counts like the MySQL sink', async () => {
    const sink = new InMemoryMinuteRollupSink();
    await sink.write([rollup('a'), rollup('a', 1)]);
    const outcome = await sink.write([rollup('a', 0, { count: 9, mean: 1, min: 1, max: 1 }), rollup('nan', 0, { min: Number.NaN })]);
    expect([...(outcome.rejected?.keys() ?? [])]).toEqual([1]);
    expect(sink.rows.map((r) => [r.device_id, r.window_start, r.readings])).toEqual([
      ['a', '2026-01-01 10:00:00.000', 3],
      ['a', '2026-01-01 10:01:00.000', 3],
    ]);
    expect(sink.counters).toEqual({ stored: 2, alreadyPresent: 1, rejected: 1, batches: 2 });
  });
});
