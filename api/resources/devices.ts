/**
 * GET /api/devices: each device with its last reading, whether that reading is within
 * MIN_TEMP..MAX_TEMP, its open episode and whether it is silent. Derived from the tables the pipeline
 * writes (temperature, temp_alert_episode, device_silence), not from the topology's state stores:
 * the API runs apart from the topology and the tables are what survives both.
 */
import type { Knex } from 'knex';
import { TEMPERATURE_TABLE } from '../../sinks/index.js';
import { applyFilters, applySort } from '../query/apply-plan.js';
import type { CollectionSpec } from '../query/collection-query.js';
import type { CollectionRoute } from './collection-route.js';
import { resourceSchema, type Resource } from './json-api.js';
import { isoOf } from './readings.js';
import { EPISODE_TABLE, SILENCE_TABLE, tablePresence } from './stateful-tables.js';

export type DeviceStatus = 'in-range' | 'out-of-range';

export interface DeviceAttributes {
  readonly deviceId: string;
  readonly lastReadingTime: string;
  readonly lastTemperature: number;
  readonly lastUnit: string;
  readonly lastTemperatureF: number;
  readonly status: DeviceStatus;
  readonly readingCount: number;
  /** The device's open episode (the latest if several directions are open), or null. */
  readonly openEpisode: OpenEpisode | null;
  /** Whether the latest event of table device_silence for it is SILENT (not yet BACK). */
  readonly silent: boolean;
  /** When it was last heard from, per that SILENT event; null unless silent. */
  readonly silentSince: string | null;
}

export interface OpenEpisode {
  readonly episodeId: string;
  readonly direction: string;
  readonly openedAt: string;
  readonly peakTemperatureF: number;
}

export interface RangeLimits {
  /** °F */
  readonly minTemp: number;
  readonly maxTemp: number;
}

const STATUS_FILTER = 'status';

export const DEVICES: CollectionSpec = {
  type: 'devices',
  filters: {
    device: { kind: 'text', column: 'device_id', op: 'eq', description: 'the device id, exactly (one device: its status)', maxLength: 64 },
    search: {
      kind: 'text',
      column: 'device_id',
      op: 'contains',
      description: 'device ids containing this text (matched literally: % and _ are not wildcards)',
      maxLength: 64,
    },
    [STATUS_FILTER]: {
      kind: 'enum',
      column: STATUS_FILTER,
      op: 'eq',
      description: 'by the last reading against MIN_TEMP..MAX_TEMP',
      values: ['in-range', 'out-of-range'],
    },
  },
  sort: { deviceId: 'l.device_id', lastReadingTime: 'l.last_reading_time', lastTemperatureF: 'temperature_f', readingCount: 'l.reading_count' },
  defaultSort: ['deviceId'],
  tiebreakColumn: 'l.device_id',
  attributes: [
    'deviceId',
    'lastReadingTime',
    'lastTemperature',
    'lastUnit',
    'lastTemperatureF',
    'status',
    'readingCount',
    'openEpisode',
    'silent',
    'silentSince',
  ],
};

/** The reading in °F, as the rules compare it (app/rules/facts.ts), in SQL with no input in it. */
const FAHRENHEIT_SQL = "(CASE WHEN t.unit = 'CELSIUS' THEN t.temperature * 9 / 5 + 32 ELSE t.temperature END)";

interface DeviceDbRow {
  device_id: string;
  last_reading_time: string;
  reading_count: number | string;
  temperature: number;
  unit: string;
  temperature_f: number;
}

export function devicesRoute(limits: RangeLimits): CollectionRoute<DeviceAttributes> {
  const statusOf = (fahrenheit: number): DeviceStatus => (fahrenheit >= limits.minTemp && fahrenheit <= limits.maxTemp ? 'in-range' : 'out-of-range');
  const toResource = (row: DeviceDbRow, extra: DeviceExtras): Resource<DeviceAttributes> => ({
    type: 'devices',
    id: row.device_id,
    attributes: {
      deviceId: row.device_id,
      lastReadingTime: isoOf(row.last_reading_time),
      lastTemperature: row.temperature,
      lastUnit: row.unit,
      lastTemperatureF: Number(row.temperature_f),
      status: statusOf(Number(row.temperature_f)),
      readingCount: Number(row.reading_count),
      openEpisode: extra.openEpisodes.get(row.device_id) ?? null,
      silent: extra.silentSince.has(row.device_id),
      silentSince: extra.silentSince.get(row.device_id) ?? null,
    },
    links: {
      episodes: `/api/episodes?${new URLSearchParams({ 'filter[device]': row.device_id }).toString()}`,
      rollups: `/api/rollups?${new URLSearchParams({ 'filter[device]': row.device_id }).toString()}`,
      readings: `/api/readings?${new URLSearchParams({ 'filter[device]': row.device_id }).toString()}`,
      alerts: `/api/alerts?${new URLSearchParams({ 'filter[device]': row.device_id }).toString()}`,
    },
  });
  let hasEpisodes: (() => Promise<boolean>) | undefined;
  let hasSilences: (() => Promise<boolean>) | undefined;
  const extrasOf = async (knex: Knex, deviceIds: readonly string[]): Promise<DeviceExtras> => {
    hasEpisodes ??= tablePresence(knex, EPISODE_TABLE);
    hasSilences ??= tablePresence(knex, SILENCE_TABLE);
    const [episodes, silences] = await Promise.all([
      deviceIds.length > 0 && (await hasEpisodes()) ? openEpisodesOf(knex, deviceIds) : new Map<string, OpenEpisode>(),
      deviceIds.length > 0 && (await hasSilences()) ? silentSinceOf(knex, deviceIds) : new Map<string, string>(),
    ]);
    return { openEpisodes: episodes, silentSince: silences };
  };
  return {
    url: '/api/devices',
    spec: DEVICES,
    tag: 'devices',
    summary: 'Devices and their status, derived from table temperature',
    description:
      `One resource per device id seen in table temperature, with its latest reading. Everything here is derived from what the pipeline writes (the tables), not from the topology's state stores: ` +
      `status is in-range when the latest reading in °F is within MIN_TEMP..MAX_TEMP (${limits.minTemp}..${limits.maxTemp} °F on this server); ` +
      'openEpisode is its row of temp_alert_episode with status OPEN (the latest opened, if both directions are open); ' +
      "silent is true when the device's latest event in device_silence is SILENT (the topology detects silence on its wall clock and writes BACK when the device is heard again), silentSince the last time it was heard. " +
      'While the database has no temp_alert_episode or device_silence table yet, openEpisode is null and silent false. ' +
      'Paged and searchable (filter[search]) for fleets of thousands of devices.',
    resourceSchema: resourceSchema(
      'devices',
      {
        deviceId: { type: 'string' },
        lastReadingTime: { type: 'string', format: 'date-time' },
        lastTemperature: { type: 'number' },
        lastUnit: { type: 'string' },
        lastTemperatureF: { type: 'number' },
        status: { type: 'string', enum: ['in-range', 'out-of-range'] },
        readingCount: { type: 'integer' },
        openEpisode: {
          type: ['object', 'null'],
          properties: {
            episodeId: { type: 'string' },
            direction: { type: 'string', enum: ['HIGH', 'LOW'] },
            openedAt: { type: 'string', format: 'date-time' },
            peakTemperatureF: { type: 'number' },
          },
        },
        silent: { type: 'boolean' },
        silentSince: { type: ['string', 'null'], format: 'date-time' },
      },
      'A device, as its stored readings show it',
    ),
    fetch: async (knex: Knex, plan) => {
      const status = plan.filters.find((f) => f.name === STATUS_FILTER)?.value;
      const latest = applyFilters(
        knex(TEMPERATURE_TABLE).select('device_id').max({ last_reading_time: 'reading_time' }).count({ reading_count: '*' }).groupBy('device_id'),
        plan.filters.filter((f) => f.name !== STATUS_FILTER),
      );
      const joined = () => {
        const q = knex.from(latest.as('l')).join(`${TEMPERATURE_TABLE} as t`, function () {
          this.on('t.device_id', '=', 'l.device_id').andOn('t.reading_time', '=', 'l.last_reading_time');
        });
        if (status === 'in-range') void q.whereRaw(`${FAHRENHEIT_SQL} BETWEEN ? AND ?`, [limits.minTemp, limits.maxTemp]);
        if (status === 'out-of-range') void q.whereRaw(`(${FAHRENHEIT_SQL} < ? OR ${FAHRENHEIT_SQL} > ?)`, [limits.minTemp, limits.maxTemp]);
        return q;
      };
      const [counted] = await joined().count<{ n: number | string }[]>({ n: '*' });
      const rows = (await applySort(
        joined().select('l.device_id', 'l.last_reading_time', 'l.reading_count', 't.temperature', 't.unit', knex.raw(`${FAHRENHEIT_SQL} AS temperature_f`)),
        plan.sort,
      )
        .limit(plan.page.limit)
        .offset(plan.page.offset)) as DeviceDbRow[];
      const extras = await extrasOf(
        knex,
        rows.map((r) => r.device_id),
      );
      return { resources: rows.map((row) => toResource(row, extras)), total: Number(counted?.n ?? 0) };
    },
  };
}

interface DeviceExtras {
  readonly openEpisodes: ReadonlyMap<string, OpenEpisode>;
  /** Device id → last heard from, for the silent ones. */
  readonly silentSince: ReadonlyMap<string, string>;
}

/** The open episodes of one page of devices (at most a page's worth of ids, all bindings). */
async function openEpisodesOf(knex: Knex, deviceIds: readonly string[]): Promise<Map<string, OpenEpisode>> {
  const rows = (await knex(EPISODE_TABLE)
    .select('episode_id', 'device_id', 'direction', 'opened_at', 'peak_temperature_f')
    .where('status', 'OPEN')
    .whereIn('device_id', deviceIds)
    .orderBy('opened_at', 'asc')) as { episode_id: string; device_id: string; direction: string; opened_at: string; peak_temperature_f: number }[];
  // Ascending, so the latest opened wins for a device with two.
  return new Map(
    rows.map((r) => [r.device_id, { episodeId: r.episode_id, direction: r.direction, openedAt: isoOf(r.opened_at), peakTemperatureF: r.peak_temperature_f }]),
  );
}

/** The devices of one page whose latest silence event is SILENT, with when they were last heard. */
async function silentSinceOf(knex: Knex, deviceIds: readonly string[]): Promise<Map<string, string>> {
  const latest = knex(SILENCE_TABLE).select('device_id').max({ detected_at: 'detected_at' }).whereIn('device_id', deviceIds).groupBy('device_id');
  const rows = (await knex
    .from(latest.as('m'))
    .join(`${SILENCE_TABLE} as s`, function () {
      this.on('s.device_id', '=', 'm.device_id').andOn('s.detected_at', '=', 'm.detected_at');
    })
    .select('s.device_id', 's.event', 's.last_seen_at')
    .orderBy('s.id', 'asc')) as { device_id: string; event: string; last_seen_at: string }[];
  const silent = new Map<string, string>();
  // Two events detected in the same millisecond: the later row (higher id) decides.
  for (const row of rows) {
    if (row.event === 'SILENT') silent.set(row.device_id, isoOf(row.last_seen_at));
    else silent.delete(row.device_id);
  }
  return silent;
}
