import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TemperatureReading } from '../schemas/index.js';
import type { StreamRecord } from '../topology/index.js';
import { fromMysqlDatetime, isStorableTime, toMysqlDatetime } from './mysql-datetime.js';
import { temperatureRowIdentity, temperatureRowProblems, toTemperatureRow } from './temperature-row.js';

const reading: TemperatureReading = { deviceId: 'oven-7', readingTime: Date.UTC(2026, 0, 1, 10, 0, 0, 250), temperature: 71.5, unit: 'CELSIUS' };
const record: StreamRecord<string | null, TemperatureReading> = {
  key: 'oven-7',
  value: reading,
  headers: {},
  timestamp: 0,
  source: { topic: 'temperature-readings', partition: 2, offset: '9007199254740993' },
};

describe('temperature rows', () => {
  it('keep the reading as received, in UTC, with its source coordinates', () => {
    expect(toTemperatureRow(record, toMysqlDatetime(Date.UTC(2026, 0, 1, 10, 0, 1)))).toEqual({
      device_id: 'oven-7',
      reading_time: '2026-01-01 10:00:00.250',
      temperature: 71.5,
      unit: 'CELSIUS',
      received_at: '2026-01-01 10:00:01.000',
      source_topic: 'temperature-readings',
      source_partition: 2,
      source_offset: '9007199254740993',
    });
  });

  it('are identified by device and reading time, byte for byte', () => {
    const row = toTemperatureRow(record, toMysqlDatetime(0));
    expect(temperatureRowIdentity(row)).toBe(temperatureRowIdentity({ ...row }));
    expect(temperatureRowIdentity(row)).not.toBe(temperatureRowIdentity({ ...row, device_id: 'OVEN-7' }));
  });

  it('list what the table cannot store', () => {
    expect(temperatureRowProblems(reading)).toEqual([]);
    expect(temperatureRowProblems({ ...reading, deviceId: '', readingTime: -5, temperature: Number.NaN })).toEqual([
      'deviceId must be 1 to 64 characters',
      'readingTime -5 is not a storable time',
      'temperature NaN is not a finite number',
    ]);
    expect(temperatureRowProblems({ ...reading, deviceId: 'x'.repeat(65) })).toHaveLength(1);
  });
});

describe('DATETIME(3) text', () => {
  it('round-trips epoch millis through UTC text', () => {
    const ms = Date.UTC(2026, 5, 30, 23, 59, 59, 999);
    expect(toMysqlDatetime(ms)).toBe('2026-06-30 23:59:59.999');
    expect(fromMysqlDatetime(toMysqlDatetime(ms))).toBe(ms);
    expect(fromMysqlDatetime(new Date(ms))).toBe(ms);
  });

  it('covers 1970 to 9999 in whole milliseconds', () => {
    expect([isStorableTime(0), isStorableTime(Date.UTC(9999, 11, 31, 23, 59, 59, 999))]).toEqual([true, true]);
    expect([isStorableTime(-1), isStorableTime(Date.UTC(10000, 0, 1)), isStorableTime(0.5), isStorableTime(Number.NaN)]).toEqual([false, false, false, false]);
    expect(() => toMysqlDatetime(-1)).toThrow(RangeError);
  });

  it('writes what toISOString() writes, padded, across the whole range', () => {
    const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    const samples = [0, 1, 999, Date.UTC(2000, 1, 29, 0, 0, 0, 7), Date.UTC(9999, 11, 31, 23, 59, 59, 999)];
    for (let ms = 0; ms < Date.UTC(9999, 0, 1); ms += 86_399_937_013) samples.push(ms); // strides through every field
    for (const ms of samples) expect(toMysqlDatetime(ms)).toBe(iso(ms));
  });

  it('writes the same in any order of calls: what it keeps of the last day and second never leaks into the next time (property)', () => {
    const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    // Times near each other (same millisecond, second, minute, day or not), as readings of a batch are.
    const step = fc.oneof(fc.constant(0), fc.integer({ min: -999, max: 999 }), fc.integer({ min: -90_000_000, max: 90_000_000 }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 30) }), fc.array(step, { maxLength: 40 }), (start, steps) => {
        let ms = start;
        for (const delta of [0, ...steps]) {
          ms = Math.min(Math.max(ms + delta, 0), Date.UTC(9999, 11, 31, 23, 59, 59, 999));
          expect(toMysqlDatetime(ms)).toBe(iso(ms));
        }
      }),
    );
  });
});
