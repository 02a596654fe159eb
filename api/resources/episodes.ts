/** GET /api/episodes: the rows of table `temp_alert_episode`, one per out-of-range episode, and the same resource for live events. */
import type { EpisodeAttributes, EpisodeStatus, TempAlertEpisode } from '../../schemas/index.js';
import type { CollectionSpec } from '../query/collection-query.js';
import type { CollectionRoute } from './collection-route.js';
import { nullableString, resourceSchema, type Resource } from './json-api.js';
import { countAndPage, isoOf } from './readings.js';
import { EPISODE_TABLE, readingTable } from './stateful-tables.js';

export const EPISODES: CollectionSpec = {
  type: 'episodes',
  filters: {
    device: { kind: 'text', column: 'device_id', op: 'eq', description: 'the device id, exactly', maxLength: 64 },
    status: { kind: 'enum', column: 'status', op: 'eq', description: 'open (still out of range) or resolved', values: ['OPEN', 'RESOLVED'] },
    direction: { kind: 'enum', column: 'direction', op: 'eq', description: 'which side of the range', values: ['HIGH', 'LOW'] },
    from: { kind: 'time', column: 'opened_at', op: 'gte', description: 'episodes opened at or after this time (ISO-8601 with a zone, or epoch ms)' },
    to: { kind: 'time', column: 'opened_at', op: 'lte', description: 'episodes opened at or before this time' },
  },
  sort: {
    openedAt: 'opened_at',
    resolvedAt: 'resolved_at',
    updatedAt: 'updated_at',
    deviceId: 'device_id',
    peakTemperatureF: 'peak_temperature_f',
    durationMs: 'duration_ms',
    episodeId: 'episode_id',
  },
  defaultSort: ['-openedAt'],
  tiebreakColumn: 'episode_id',
  attributes: [
    'episodeId',
    'deviceId',
    'direction',
    'status',
    'openedAt',
    'resolvedAt',
    'firstTemperatureF',
    'peakTemperatureF',
    'lastTemperatureF',
    'readings',
    'durationMs',
    'minTemp',
    'maxTemp',
    'hysteresis',
    'updatedAt',
    'notifiedOpenedAt',
    'notifiedResolvedAt',
  ],
};

interface EpisodeDbRow {
  episode_id: string;
  device_id: string;
  direction: string;
  status: EpisodeStatus;
  opened_at: string;
  resolved_at: string | null;
  first_temperature_f: number;
  peak_temperature_f: number;
  last_temperature_f: number;
  readings: number;
  duration_ms: number | string;
  min_temp: number;
  max_temp: number;
  hysteresis: number;
  updated_at: string;
  notified_opened_at: string | null;
  notified_resolved_at: string | null;
}

const isoOrNull = (value: string | null): string | null => (value === null ? null : isoOf(value));

const episodeLinks = (deviceId: string) => ({
  device: `/api/episodes?${new URLSearchParams({ 'filter[device]': deviceId }).toString()}`,
  rollups: `/api/rollups?${new URLSearchParams({ 'filter[device]': deviceId }).toString()}`,
});

function toResource(row: EpisodeDbRow): Resource<EpisodeAttributes> {
  return {
    type: 'episodes',
    id: row.episode_id,
    attributes: {
      episodeId: row.episode_id,
      deviceId: row.device_id,
      direction: row.direction,
      status: row.status,
      openedAt: isoOf(row.opened_at),
      resolvedAt: isoOrNull(row.resolved_at),
      firstTemperatureF: row.first_temperature_f,
      peakTemperatureF: row.peak_temperature_f,
      lastTemperatureF: row.last_temperature_f,
      readings: Number(row.readings),
      durationMs: Number(row.duration_ms),
      minTemp: row.min_temp,
      maxTemp: row.max_temp,
      hysteresis: row.hysteresis,
      updatedAt: isoOf(row.updated_at),
      notifiedOpenedAt: isoOrNull(row.notified_opened_at),
      notifiedResolvedAt: isoOrNull(row.notified_resolved_at),
    },
    links: episodeLinks(row.device_id),
  };
}

/** An episode event from the TempAlertEpisode topic, before (or whether) a sink stored it. */
export function liveEpisodeResource(episode: TempAlertEpisode): Resource<EpisodeAttributes> {
  return {
    type: 'episodes',
    id: episode.episodeId,
    attributes: {
      episodeId: episode.episodeId,
      deviceId: episode.deviceId,
      direction: episode.direction,
      status: episode.event === 'OPENED' ? 'OPEN' : 'RESOLVED',
      openedAt: new Date(episode.openedAt).toISOString(),
      resolvedAt: episode.resolvedAt === null ? null : new Date(episode.resolvedAt).toISOString(),
      firstTemperatureF: episode.firstTemperatureF,
      peakTemperatureF: episode.peakTemperatureF,
      lastTemperatureF: episode.lastTemperatureF,
      readings: episode.readings,
      durationMs: episode.durationMs,
      minTemp: episode.minTemp,
      maxTemp: episode.maxTemp,
      hysteresis: episode.hysteresis,
      updatedAt: null,
      notifiedOpenedAt: null,
      notifiedResolvedAt: null,
    },
    links: episodeLinks(episode.deviceId),
  };
}

const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { ...nullableString, format: 'date-time' } as const;

export const episodeResourceSchema = resourceSchema(
  'episodes',
  {
    episodeId: { type: 'string', description: '<deviceId>/<openedAt epoch ms>/<direction>' },
    deviceId: { type: 'string' },
    direction: { type: 'string', enum: ['HIGH', 'LOW'] },
    status: { type: 'string', enum: ['OPEN', 'RESOLVED'] },
    openedAt: dateTime,
    resolvedAt: { ...nullableDateTime, description: 'null while open' },
    firstTemperatureF: { type: 'number' },
    peakTemperatureF: { type: 'number', description: 'the farthest out of range, °F' },
    lastTemperatureF: { type: 'number' },
    readings: { type: 'integer', description: 'readings in the episode so far' },
    durationMs: { type: 'integer' },
    minTemp: { type: 'number', description: '°F, in force when it opened' },
    maxTemp: { type: 'number', description: '°F, in force when it opened' },
    hysteresis: { type: 'number', description: '°F back inside the range needed to resolve' },
    updatedAt: { ...nullableDateTime, description: 'when the row last changed; null on a live event' },
    notifiedOpenedAt: { ...nullableDateTime, description: 'when a person was told it opened' },
    notifiedResolvedAt: { ...nullableDateTime, description: 'when a person was told it resolved' },
  },
  'An episode: a device out of range from the first reading outside MIN..MAX until it is back inside by the hysteresis',
);

export const episodesRoute: CollectionRoute<EpisodeAttributes> = {
  url: '/api/episodes',
  spec: EPISODES,
  tag: 'episodes',
  summary: 'Episodes stored in table temp_alert_episode',
  description:
    'One resource per episode (id: its episodeId). filter[from]/filter[to] bound openedAt. filter[status]=OPEN lists the devices out of range now. ' +
    'Answers 503 naming the table while the database has no temp_alert_episode yet.',
  resourceSchema: episodeResourceSchema,
  fetch: (knex, plan) =>
    readingTable(EPISODE_TABLE, async () => {
      const { rows, total } = await countAndPage<EpisodeDbRow>(knex, EPISODE_TABLE, plan);
      return { resources: rows.map(toResource), total };
    }),
};
