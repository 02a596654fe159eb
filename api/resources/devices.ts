/**
 * GET /api/devices: each device with its last reading and whether that reading is within
 * MIN_TEMP..MAX_TEMP. Derived from table `temperature` (what the pipeline writes), not from the
 * topology's state stores, which do not exist yet.
 */
import type { Knex } from 'knex';
import { TEMPERATURE_TABLE } from '../../sinks/index.js';
import { applyFilters, applySort } from '../query/apply-plan.js';
import type { CollectionSpec } from '../query/collection-query.js';
import type { CollectionRoute } from './collection-route.js';
import { resourceSchema, type Resource } from './json-api.js';
import { isoOf } from './readings.js';

export type DeviceStatus = 'in-range' | 'out-of-range';

export interface DeviceAttributes {
  readonly deviceId: string;
  readonly lastReadingTime: string;
  readonly lastTemperature: number;
  readonly lastUnit: string;
  readonly lastTemperatureF: number;
  readonly status: DeviceStatus;
  readonly readingCount: number;
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
  attributes: ['deviceId', 'lastReadingTime', 'lastTemperature', 'lastUnit', 'lastTemperatureF', 'status', 'readingCount'],
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
  const toResource = (row: DeviceDbRow): Resource<DeviceAttributes> => ({
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
    },
    links: {
      readings: `/api/readings?${new URLSearchParams({ 'filter[device]': row.device_id }).toString()}`,
      alerts: `/api/alerts?${new URLSearchParams({ 'filter[device]': row.device_id }).toString()}`,
    },
  });
  return {
    url: '/api/devices',
    spec: DEVICES,
    tag: 'devices',
    summary: 'Devices and their status, derived from table temperature',
    description:
      `One resource per device id seen in table temperature, with its latest reading. The status is derived from what the pipeline writes (the tables), not from the topology's state stores (which come later): in-range when the latest reading in °F is within MIN_TEMP..MAX_TEMP (${limits.minTemp}..${limits.maxTemp} °F on this server). ` +
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
      return { resources: rows.map(toResource), total: Number(counted?.n ?? 0) };
    },
  };
}
