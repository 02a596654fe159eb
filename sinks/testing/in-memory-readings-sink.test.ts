import { describe, expect, it } from 'vitest';
import type { TemperatureReading } from '../../schemas/index.js';
import { ValidationError, type StreamRecord } from '../../topology/index.js';
import { InMemoryReadingsSink } from './in-memory-readings-sink.js';

const record = (deviceId: string, readingTime: number, temperature = 70): StreamRecord<string | null, TemperatureReading> => ({
  key: deviceId,
  value: { deviceId, readingTime, temperature, unit: 'FAHRENHEIT' },
  headers: {},
  timestamp: 0,
  source: { topic: 'temperature-readings', partition: 0, offset: '0' },
});

describe('InMemoryReadingsSink', () => {
  it('keeps one row per device and reading time, as UNIQUE(device_id, reading_time) does', async () => {
    const sink = new InMemoryReadingsSink(() => 0);
    const outcome = await sink.write([record('a', 1), record('a', 1, 99), record('A', 1), record('a', 2)]);
    await sink.write([record('a', 1)]);
    // Same device and time, another temperature: a conflict, refused with its own rule; the first stays.
    expect([...(outcome.rejected?.entries() ?? [])].map(([i, e]) => [i, e instanceof ValidationError ? e.rule : e.message])).toEqual([
      [1, 'conflicting-duplicate'],
    ]);
    expect(sink.rows.map((r) => [r.device_id, r.reading_time, r.temperature])).toEqual([
      ['a', '1970-01-01 00:00:00.001', 70],
      ['A', '1970-01-01 00:00:00.001', 70],
      ['a', '1970-01-01 00:00:00.002', 70],
    ]);
    expect(sink.counters).toEqual({ stored: 3, alreadyPresent: 1, conflicting: 1, rejected: 0, batches: 2 });
  });

  it('refuses what the table would refuse', async () => {
    const sink = new InMemoryReadingsSink();
    const outcome = await sink.write([record('', 1), record('ok', 1)]);
    expect([...(outcome.rejected?.keys() ?? [])]).toEqual([0]);
    expect(sink.rows).toHaveLength(1);
  });
});
