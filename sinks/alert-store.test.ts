import { describe, expect, it } from 'vitest';
import type { TempRangeAlert } from '../schemas/index.js';
import { InMemoryAlertStore } from './testing/in-memory-alert-store.js';
import { MysqlAlertStore } from './mysql-alert-store.js';
import { fakeKnex, insertResult } from './testing/fake-knex.js';

const alert = (deviceId: string, sourceOffset = '1', direction: TempRangeAlert['direction'] = 'HIGH'): TempRangeAlert => ({
  reading: { deviceId, readingTime: Date.UTC(2026, 0, 1, 10), temperature: 140, unit: 'FAHRENHEIT' },
  rule: 'temp-range',
  direction,
  temperatureFahrenheit: 140,
  bound: 120,
  minTemp: 40,
  maxTemp: 120,
  sourceTopic: 'temperature-readings',
  sourcePartition: 0,
  sourceOffset,
});

describe('InMemoryAlertStore', () => {
  it('stores one alert per (device, reading time, rule, direction) and returns those not notified yet', async () => {
    const store = new InMemoryAlertStore();
    expect(
      (await store.record([alert('a', '1'), alert('a', '2'), alert('a', '3', 'LOW'), alert('b')])).map((a) => [a.reading.deviceId, a.sourceOffset]),
    ).toEqual([
      ['a', '1'],
      ['a', '3'],
      ['b', '1'],
    ]);
    await store.markNotified([alert('a', '9')]);
    expect((await store.record([alert('a', '1'), alert('b')])).map((a) => a.reading.deviceId)).toEqual(['b']);
    expect(store.alerts).toHaveLength(3);
  });

  it('keeps an alert whose notification failed for good with the reason, and does not hand it back again', async () => {
    const store = new InMemoryAlertStore();
    await store.record([alert('a'), alert('b')]);
    await store.markFailed([{ alert: alert('a', '7'), error: 'webhook answered 404' }]);
    expect(store.failed.map((f) => [f.alert.reading.deviceId, f.error])).toEqual([['a', 'webhook answered 404']]);
    expect((await store.record([alert('a'), alert('b')])).map((a) => a.reading.deviceId)).toEqual(['b']);
    await store.markNotified([alert('a')]); // settled already: stays failed
    expect(store.notified).toHaveLength(0);
  });
});

describe('MysqlAlertStore', () => {
  it('inserts once in a transaction, then reads back which of the batch still wait for a notification', async () => {
    const db = fakeKnex((sql) =>
      sql.startsWith('INSERT')
        ? insertResult(1, 1)
        : sql.includes('FROM `temperature`')
          ? [[]] // no reading stored yet: nothing to disagree with
          : // The second alert was stored and notified before: not returned. Dates may come back as Date objects.
            [[{ device_id: 'a', reading_time: new Date(Date.UTC(2026, 0, 1, 10)), rule: 'temp-range', direction: 'HIGH' }]],
    );
    const store = new MysqlAlertStore(db.knex, () => Date.UTC(2026, 0, 2));
    const waiting = await store.record([alert('a'), alert('b'), alert('a', '2')]);
    expect(waiting.map((a) => a.reading.deviceId)).toEqual(['a']);
    expect(db.calls.map((c) => c.inTransaction)).toEqual([true, true, true]);
    // First the stored readings the alerts must agree with, locked until commit.
    expect(db.calls[0]!.sql).toMatch(/^SELECT device_id, reading_time, temperature, unit FROM `temperature` WHERE .* LOCK IN SHARE MODE$/);
    expect(db.calls[1]!.sql).toMatch(/^INSERT IGNORE INTO `temp_range_alert` /);
    expect(db.calls[1]!.sql.split("'temp-range'")).toHaveLength(3); // two rows: deduplicated before insert
    expect(db.calls[2]!.sql).toBe(
      'SELECT `device_id`, `reading_time`, `rule`, `direction` FROM `temp_range_alert` WHERE notified_at IS NULL AND notify_status IS NULL AND (`device_id`, `reading_time`, `rule`, `direction`) IN ((?, ?, ?, ?), (?, ?, ?, ?))',
    );
    expect(db.outcomes).toEqual(['commit']);
  });

  it('marks notified alerts with the time, only where not marked yet', async () => {
    const db = fakeKnex(() => insertResult(1));
    await new MysqlAlertStore(db.knex, () => Date.UTC(2026, 0, 2)).markNotified([alert('a')]);
    expect(db.calls[0]!.sql).toMatch(
      /^UPDATE `temp_range_alert` SET notified_at = \?, notify_status = \? WHERE notified_at IS NULL AND notify_status IS NULL AND \(`device_id`/,
    );
    expect(db.calls[0]!.bindings).toEqual(['2026-01-02 00:00:00.000', 'notified', 'a', '2026-01-01 10:00:00.000', 'temp-range', 'HIGH']);
  });

  it('marks an alert whose notification failed for good with its reason, cut to the column, only where not settled yet', async () => {
    const db = fakeKnex(() => insertResult(1));
    await new MysqlAlertStore(db.knex).markFailed([
      { alert: alert('a'), error: 'webhook answered 404' },
      { alert: alert('b'), error: 'x'.repeat(5000) },
    ]);
    expect(db.calls.map((c) => c.sql)).toEqual([
      'UPDATE `temp_range_alert` SET notify_status = ?, notify_error = ? WHERE notified_at IS NULL AND notify_status IS NULL AND (`device_id`, `reading_time`, `rule`, `direction`) IN ((?, ?, ?, ?))',
      'UPDATE `temp_range_alert` SET notify_status = ?, notify_error = ? WHERE notified_at IS NULL AND notify_status IS NULL AND (`device_id`, `reading_time`, `rule`, `direction`) IN ((?, ?, ?, ?))',
    ]);
    expect(db.calls[0]!.bindings).toEqual(['failed', 'webhook answered 404', 'a', '2026-01-01 10:00:00.000', 'temp-range', 'HIGH']);
    expect((db.calls[1]!.bindings[1] as string).length).toBe(1000);
  });
});
