/**
 * The stateful pipeline's end-of-scenario checks: the alert episodes it sent against those the pure
 * tracker computes from the load's readings, and the per-minute rollups it stored against those
 * computed from the stored readings. Pure functions: the scenario reads the topic and the tables.
 */
import { toFahrenheit, trackEpisode, type EpisodeSettings, type OpenEpisode } from '../../../app/index.js';
import type { TempAlertEpisode, TemperatureReading } from '../../../schemas/index.js';
import type { ProducedRecord } from './load.js';

/** A device's valid readings in the order its partition holds them (the order the topology sees them). */
export function validReadingsByDevice(produced: readonly ProducedRecord[]): Map<string, { reading: TemperatureReading; partition: number; offset: bigint }[]> {
  const byDevice = new Map<string, { reading: TemperatureReading; partition: number; offset: bigint }[]>();
  for (const p of produced) {
    if (p.fate.kind !== 'stored' || !p.reading || !p.position) continue;
    const list = byDevice.get(p.reading.deviceId) ?? [];
    list.push({ reading: p.reading, partition: p.position.partition, offset: BigInt(p.position.offset) });
    byDevice.set(p.reading.deviceId, list);
  }
  for (const list of byDevice.values()) list.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  return byDevice;
}

/** The episode events the tracker gives for each device's readings, and the devices left with an episode open. */
export function expectedEpisodes(
  byDevice: ReadonlyMap<string, readonly { reading: TemperatureReading }[]>,
  settings: EpisodeSettings,
): { events: Map<string, TempAlertEpisode[]>; openAtEnd: number } {
  const events = new Map<string, TempAlertEpisode[]>();
  let openAtEnd = 0;
  for (const [deviceId, readings] of byDevice) {
    let open: OpenEpisode | undefined;
    const list: TempAlertEpisode[] = [];
    for (const { reading } of readings) {
      const step = trackEpisode(open, { deviceId, readingTime: reading.readingTime, fahrenheit: toFahrenheit(reading) }, settings);
      open = step.open;
      list.push(...step.events);
    }
    if (open) openAtEnd++;
    events.set(deviceId, list);
  }
  return { events, openAtEnd };
}

/** Per partition, the offset after the last produced reading that has a row: how far an instance had got. */
export function storedPositions(produced: readonly ProducedRecord[], rows: ReadonlyMap<string, unknown>): Map<number, bigint> {
  const next = new Map<number, bigint>();
  for (const p of produced) {
    if (!p.position || !p.rowId || !rows.has(p.rowId)) continue;
    const after = BigInt(p.position.offset) + 1n;
    if (after > (next.get(p.position.partition) ?? 0n)) next.set(p.position.partition, after);
  }
  return next;
}

/** How many devices have an episode open after the readings below `committed` (per partition) were processed. */
export function openEpisodesAt(
  byDevice: ReadonlyMap<string, readonly { reading: TemperatureReading; partition: number; offset: bigint }[]>,
  committed: ReadonlyMap<number, bigint>,
  settings: EpisodeSettings,
): number {
  let open = 0;
  for (const [deviceId, readings] of byDevice) {
    let state: OpenEpisode | undefined;
    for (const r of readings) {
      if (r.offset >= (committed.get(r.partition) ?? 0n)) break;
      state = trackEpisode(state, { deviceId, readingTime: r.reading.readingTime, fahrenheit: toFahrenheit(r.reading) }, settings).open;
    }
    if (state) open++;
  }
  return open;
}

export const episodeEventId = (e: Pick<TempAlertEpisode, 'event' | 'episodeId'>): string => `${e.event} ${e.episodeId}`;

export interface EpisodeCheck {
  readonly events: number;
  /** Distinct (event, episodeId). */
  readonly distinct: number;
  /** Copies beyond the first of an event (at-least-once redelivery). */
  readonly duplicates: number;
  readonly opened: number;
  readonly resolved: number;
  /** A second distinct episode OPENED while one was open, for the same device. */
  readonly secondOpened: number;
  /** OPENED without its RESOLVED, beyond the last episode of a device. */
  readonly unresolved: number;
  readonly problems: readonly string[];
}

/**
 * Per device, the distinct events ordered by openedAt (a RESOLVED after its OPENED): never a second
 * OPENED while one is open, each RESOLVED closes the open episode, only the last may stay open; and
 * the distinct events equal `expected` (the tracker over the readings), field by field.
 */
export function checkEpisodes(sent: readonly TempAlertEpisode[], expected: ReadonlyMap<string, readonly TempAlertEpisode[]>): EpisodeCheck {
  const problems: string[] = [];
  const firstOf = new Map<string, TempAlertEpisode>();
  let duplicates = 0;
  for (const e of sent) {
    const id = episodeEventId(e);
    const first = firstOf.get(id);
    if (!first) firstOf.set(id, e);
    else {
      duplicates++;
      if (JSON.stringify(first) !== JSON.stringify(e))
        problems.push(`a copy of ${id} differs from the first: ${JSON.stringify(first)} vs ${JSON.stringify(e)}`);
    }
  }
  const byDevice = new Map<string, TempAlertEpisode[]>();
  for (const e of firstOf.values()) {
    const list = byDevice.get(e.deviceId) ?? [];
    list.push(e);
    byDevice.set(e.deviceId, list);
  }
  let secondOpened = 0;
  let unresolved = 0;
  let opened = 0;
  let resolved = 0;
  const rank = (e: TempAlertEpisode) => (e.event === 'OPENED' ? 0 : 1);
  for (const [deviceId, list] of byDevice) {
    list.sort((a, b) => a.openedAt - b.openedAt || rank(a) - rank(b));
    let open: TempAlertEpisode | undefined;
    for (const e of list) {
      if (e.event === 'OPENED') {
        opened++;
        if (open) {
          secondOpened++;
          problems.push(`${deviceId}: ${e.episodeId} OPENED while ${open.episodeId} was open`);
        }
        open = e;
      } else {
        resolved++;
        if (open?.episodeId !== e.episodeId) problems.push(`${deviceId}: ${e.episodeId} RESOLVED while ${open?.episodeId ?? 'none'} was open`);
        else open = undefined;
      }
    }
    const openedIds = list.filter((e) => e.event === 'OPENED').map((e) => e.episodeId);
    const resolvedIds = new Set(list.filter((e) => e.event === 'RESOLVED').map((e) => e.episodeId));
    const notResolved = openedIds.filter((id) => !resolvedIds.has(id));
    const beyondLast = notResolved.filter((id) => id !== openedIds[openedIds.length - 1]);
    unresolved += beyondLast.length;
    if (beyondLast.length > 0) problems.push(`${deviceId}: ${beyondLast.length} episodes never RESOLVED, e.g. ${beyondLast.slice(0, 3).join(', ')}`);
  }
  for (const [deviceId, want] of expected) {
    const got = byDevice.get(deviceId) ?? [];
    const wantIds = want.map(episodeEventId);
    const gotIds = got.map(episodeEventId);
    if (wantIds.join('\n') !== gotIds.join('\n')) {
      const missing = wantIds.filter((id) => !firstOf.has(id));
      const extra = gotIds.filter((id) => !wantIds.includes(id));
      problems.push(
        `${deviceId}: ${gotIds.length} events, ${wantIds.length} expected; missing ${missing.slice(0, 3).join(', ') || 'none'}; extra ${extra.slice(0, 3).join(', ') || 'none'}`,
      );
      continue;
    }
    for (const w of want) {
      const g = firstOf.get(episodeEventId(w))!;
      if (JSON.stringify(g) !== JSON.stringify(w)) problems.push(`${episodeEventId(w)}: sent ${JSON.stringify(g)}, expected ${JSON.stringify(w)}`);
    }
  }
  for (const deviceId of byDevice.keys()) if (!expected.has(deviceId)) problems.push(`${deviceId}: events for a device of no reading`);
  return { events: sent.length, distinct: firstOf.size, duplicates, opened, resolved, secondOpened, unresolved, problems };
}

/** One stored reading as the check needs it. */
export interface StoredReading {
  readonly deviceId: string;
  readonly readingTime: number;
  readonly temperature: number;
  readonly unit: TemperatureReading['unit'];
}

/** One row of `temperature_minute`. */
export interface StoredRollup {
  readonly deviceId: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly readings: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

export interface RollupCheck {
  /** Windows whose end + grace is before the last reading time of their device's partition. */
  readonly closed: number;
  readonly rows: number;
  readonly matching: number;
  readonly missing: number;
  readonly wrong: number;
  readonly problems: readonly string[];
}

/**
 * Every closed minute of every device (computed from the stored readings, °F) must have its row, and
 * every row must equal count/min/max/mean of its device's stored readings of that minute.
 */
export function checkRollups(
  readings: readonly StoredReading[],
  rollups: readonly StoredRollup[],
  options: { windowMs: number; graceMs: number; partitionOf: (deviceId: string) => number },
): RollupCheck {
  const problems: string[] = [];
  const windows = new Map<string, { deviceId: string; start: number; count: number; min: number; max: number; sum: number }>();
  const lastTimeOfPartition = new Map<number, number>();
  for (const r of [...readings].sort((a, b) => a.readingTime - b.readingTime)) {
    const f = toFahrenheit(r);
    const start = Math.floor(r.readingTime / options.windowMs) * options.windowMs;
    const key = `${r.deviceId}\u0000${start}`;
    const w = windows.get(key);
    if (!w) windows.set(key, { deviceId: r.deviceId, start, count: 1, min: f, max: f, sum: f });
    else windows.set(key, { ...w, count: w.count + 1, min: Math.min(w.min, f), max: Math.max(w.max, f), sum: w.sum + f });
    const p = options.partitionOf(r.deviceId);
    lastTimeOfPartition.set(p, Math.max(lastTimeOfPartition.get(p) ?? -Infinity, r.readingTime));
  }
  const rowOf = new Map(rollups.map((r) => [`${r.deviceId}\u0000${r.windowStart}`, r]));
  let closed = 0;
  let matching = 0;
  let missing = 0;
  let wrong = 0;
  for (const [key, w] of windows) {
    const end = w.start + options.windowMs;
    const isClosed = end + options.graceMs < (lastTimeOfPartition.get(options.partitionOf(w.deviceId)) ?? -Infinity);
    if (isClosed) closed++;
    const row = rowOf.get(key);
    if (!row) {
      if (isClosed) {
        missing++;
        problems.push(`no row for ${w.deviceId} ${new Date(w.start).toISOString()} (${w.count} readings)`);
      }
      continue;
    }
    const mean = w.sum / w.count;
    if (row.readings === w.count && row.min === w.min && row.max === w.max && Math.abs(row.mean - mean) < 1e-9 && row.windowEnd === end) matching++;
    else {
      wrong++;
      problems.push(
        `${w.deviceId} ${new Date(w.start).toISOString()}: row ${row.readings}/${row.min}/${row.max}/${row.mean}, readings give ${w.count}/${w.min}/${w.max}/${mean}`,
      );
    }
  }
  for (const [key, row] of rowOf) {
    if (!windows.has(key)) {
      wrong++;
      problems.push(`a row of no stored reading: ${row.deviceId} ${new Date(row.windowStart).toISOString()}`);
    }
  }
  return { closed, rows: rollups.length, matching, missing, wrong, problems };
}
