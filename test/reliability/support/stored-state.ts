/**
 * What the stateful pipeline stored, read back for the end-of-scenario checks (state-checks.ts):
 * the readings in `temperature` and the closed minutes in `temperature_minute`.
 */
import type { Knex } from 'knex';
import { DEFAULT_ROLLUP_GRACE_MS, ROLLUP_WINDOW_MS } from '../../../app/index.js';
import type { TemperatureReading } from '../../../schemas/index.js';
import { fromMysqlDatetime } from '../../../sinks/index.js';
import { checkRollups, type RollupCheck, type StoredReading, type StoredRollup } from './state-checks.js';

/** The stored rollups against the stored readings, each device judged by the stream time of its partition (the partition of its first reading). */
export async function checkStoredRollups(knex: Knex, byDevice: ReadonlyMap<string, readonly { partition: number }[]>): Promise<RollupCheck> {
  const partitionOfDevice = new Map([...byDevice].map(([deviceId, list]) => [deviceId, list[0]!.partition]));
  return checkRollups(await readStoredReadings(knex), await readStoredRollups(knex), {
    windowMs: ROLLUP_WINDOW_MS,
    graceMs: DEFAULT_ROLLUP_GRACE_MS,
    partitionOf: (deviceId) => partitionOfDevice.get(deviceId) ?? -1,
  });
}

async function readStoredReadings(knex: Knex): Promise<StoredReading[]> {
  const rows = await knex('temperature').select<{ device_id: string; reading_time: string; temperature: number; unit: TemperatureReading['unit'] }[]>(
    'device_id',
    'reading_time',
    'temperature',
    'unit',
  );
  return rows.map((r) => ({ deviceId: r.device_id, readingTime: fromMysqlDatetime(r.reading_time), temperature: Number(r.temperature), unit: r.unit }));
}

async function readStoredRollups(knex: Knex): Promise<StoredRollup[]> {
  const rows = await knex('temperature_minute').select<
    { device_id: string; window_start: string; window_end: string; readings: number; min_f: number; max_f: number; mean_f: number }[]
  >('device_id', 'window_start', 'window_end', 'readings', 'min_f', 'max_f', 'mean_f');
  return rows.map((r) => ({
    deviceId: r.device_id,
    windowStart: fromMysqlDatetime(r.window_start),
    windowEnd: fromMysqlDatetime(r.window_end),
    readings: Number(r.readings),
    min: Number(r.min_f),
    max: Number(r.max_f),
    mean: Number(r.mean_f),
  }));
}
