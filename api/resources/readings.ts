/** GET /api/readings: the rows of table `temperature`. */
import type { Knex } from 'knex';
import { toFahrenheit } from '../../app/index.js';
import type { TemperatureUnit } from '../../schemas/index.js';
import { fromMysqlDatetime, TEMPERATURE_TABLE } from '../../sinks/index.js';
import { applyFilters, applySort } from '../query/apply-plan.js';
import type { CollectionSpec, QueryPlan } from '../query/collection-query.js';
import type { CollectionRoute } from './collection-route.js';
import { resourceSchema, type Resource } from './json-api.js';

export interface ReadingAttributes {
  readonly deviceId: string;
  /** ISO-8601 UTC. */
  readonly readingTime: string;
  readonly temperature: number;
  readonly unit: string;
  readonly temperatureF: number;
  readonly receivedAt: string;
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
}

export const READINGS: CollectionSpec = {
  type: 'readings',
  filters: {
    device: { kind: 'text', column: 'device_id', op: 'eq', description: 'the device id, exactly', maxLength: 64 },
    from: { kind: 'time', column: 'reading_time', op: 'gte', description: 'readings at or after this time (ISO-8601 with a zone, or epoch ms)' },
    to: { kind: 'time', column: 'reading_time', op: 'lte', description: 'readings at or before this time (ISO-8601 with a zone, or epoch ms)' },
    minTemperature: { kind: 'number', column: 'temperature', op: 'gte', description: "temperature at least this, in the reading's own unit" },
    maxTemperature: { kind: 'number', column: 'temperature', op: 'lte', description: "temperature at most this, in the reading's own unit" },
    unit: { kind: 'enum', column: 'unit', op: 'eq', description: 'the unit', values: ['FAHRENHEIT', 'CELSIUS'] },
  },
  sort: { readingTime: 'reading_time', deviceId: 'device_id', temperature: 'temperature', receivedAt: 'received_at', id: 'id' },
  defaultSort: ['-readingTime'],
  tiebreakColumn: 'id',
  attributes: ['deviceId', 'readingTime', 'temperature', 'unit', 'temperatureF', 'receivedAt', 'sourceTopic', 'sourcePartition', 'sourceOffset'],
};

interface TemperatureDbRow {
  id: string;
  device_id: string;
  reading_time: string;
  temperature: number;
  unit: string;
  received_at: string;
  source_topic: string;
  source_partition: number;
  source_offset: string;
}

export const isoOf = (mysqlDatetime: string): string => new Date(fromMysqlDatetime(mysqlDatetime)).toISOString();

function toResource(row: TemperatureDbRow): Resource<ReadingAttributes> {
  return {
    type: 'readings',
    id: String(row.id),
    attributes: {
      deviceId: row.device_id,
      readingTime: isoOf(row.reading_time),
      temperature: row.temperature,
      unit: row.unit,
      temperatureF: toFahrenheit({ temperature: row.temperature, unit: row.unit as TemperatureUnit }),
      receivedAt: isoOf(row.received_at),
      sourceTopic: row.source_topic,
      sourcePartition: Number(row.source_partition),
      sourceOffset: String(row.source_offset),
    },
  };
}

export async function countAndPage<R>(knex: Knex, table: string, plan: QueryPlan): Promise<{ rows: R[]; total: number }> {
  const [counted] = await applyFilters(knex(table), plan.filters).count<{ n: number | string }[]>({ n: '*' });
  const rows = (await applySort(applyFilters(knex(table).select('*'), plan.filters), plan.sort)
    .limit(plan.page.limit)
    .offset(plan.page.offset)) as R[];
  return { rows, total: Number(counted?.n ?? 0) };
}

export const readingsRoute: CollectionRoute<ReadingAttributes> = {
  url: '/api/readings',
  spec: READINGS,
  tag: 'readings',
  summary: 'Readings stored in table temperature',
  description: 'One resource per stored reading (one per device and instant). temperatureF is the reading in °F, as the rules compare it.',
  resourceSchema: resourceSchema(
    'readings',
    {
      deviceId: { type: 'string' },
      readingTime: { type: 'string', format: 'date-time' },
      temperature: { type: 'number' },
      unit: { type: 'string', enum: ['FAHRENHEIT', 'CELSIUS'] },
      temperatureF: { type: 'number' },
      receivedAt: { type: 'string', format: 'date-time' },
      sourceTopic: { type: 'string' },
      sourcePartition: { type: 'integer' },
      sourceOffset: { type: 'string', description: '64-bit Kafka offset as decimal text' },
    },
    'A temperature reading',
  ),
  fetch: async (knex, plan) => {
    const { rows, total } = await countAndPage<TemperatureDbRow>(knex, TEMPERATURE_TABLE, plan);
    return { resources: rows.map(toResource), total };
  },
};
