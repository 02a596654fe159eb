import { ALERT_DIRECTIONS, EPISODE_EVENTS, type TempAlertEpisode } from '../schemas/index.js';
import { isStorableTime, toMysqlDatetime } from './mysql-datetime.js';
import { hasAtMostCharacters, MAX_DEVICE_ID_LENGTH } from './temperature-row.js';

export const EPISODE_TABLE = 'temp_alert_episode';

/** Column `status`. */
export const EPISODE_STATUS = { open: 'OPEN', resolved: 'RESOLVED' } as const;

/** The longest episode id the table stores (VARCHAR(200)). */
export const MAX_EPISODE_ID_LENGTH = 200;

/** One row of table `temp_alert_episode` as bound into SQL (`id` and the notify columns are the table's). */
export interface EpisodeRow {
  readonly episode_id: string;
  readonly device_id: string;
  readonly direction: string;
  readonly status: string;
  readonly opened_at: string;
  readonly resolved_at: string | null;
  readonly first_temperature_f: number;
  readonly peak_temperature_f: number;
  readonly last_temperature_f: number;
  readonly readings: number;
  readonly duration_ms: number;
  readonly min_temp: number;
  readonly max_temp: number;
  readonly hysteresis: number;
  readonly updated_at: string;
}

export const EPISODE_COLUMNS = [
  'episode_id',
  'device_id',
  'direction',
  'status',
  'opened_at',
  'resolved_at',
  'first_temperature_f',
  'peak_temperature_f',
  'last_temperature_f',
  'readings',
  'duration_ms',
  'min_temp',
  'max_temp',
  'hysteresis',
  'updated_at',
] as const satisfies readonly (keyof EpisodeRow)[];

/** What a RESOLVED event changes on a row still OPEN: the rest was fixed when the episode opened. */
export const EPISODE_RESOLVED_COLUMNS = [
  'resolved_at',
  'peak_temperature_f',
  'last_temperature_f',
  'readings',
  'duration_ms',
  'updated_at',
] as const satisfies readonly (typeof EPISODE_COLUMNS)[number][];

export function toEpisodeRow(episode: TempAlertEpisode, updatedAtMs: number): EpisodeRow {
  const resolved = episode.event === 'RESOLVED';
  return {
    episode_id: episode.episodeId,
    device_id: episode.deviceId,
    direction: episode.direction,
    status: resolved ? EPISODE_STATUS.resolved : EPISODE_STATUS.open,
    opened_at: toMysqlDatetime(episode.openedAt),
    resolved_at: resolved && episode.resolvedAt !== null ? toMysqlDatetime(episode.resolvedAt) : null,
    first_temperature_f: episode.firstTemperatureF,
    peak_temperature_f: episode.peakTemperatureF,
    last_temperature_f: episode.lastTemperatureF,
    readings: episode.readings,
    duration_ms: episode.durationMs,
    min_temp: episode.minTemp,
    max_temp: episode.maxTemp,
    hysteresis: episode.hysteresis,
    updated_at: toMysqlDatetime(updatedAtMs),
  };
}

/** One notification per episode and event. */
export const episodeEventIdentity = (episode: Pick<TempAlertEpisode, 'episodeId' | 'event'>): string => `${episode.episodeId}\u0000${episode.event}`;

/** INT's upper end. */
const MAX_INT = 2 ** 31 - 1;

/**
 * What table `temp_alert_episode` cannot store, checked before writing so one bad event is refused
 * alone. The id must name the event's own device and direction (`<deviceId>/<openedAt>/<direction>`):
 * otherwise one device's event could resolve another device's episode.
 */
export function episodeRowProblems(episode: TempAlertEpisode): string[] {
  const problems: string[] = [];
  const { episodeId, deviceId, direction, event } = episode;
  if (deviceId.length === 0 || !hasAtMostCharacters(deviceId, MAX_DEVICE_ID_LENGTH)) problems.push(`deviceId must be 1 to ${MAX_DEVICE_ID_LENGTH} characters`);
  if (!(ALERT_DIRECTIONS as readonly string[]).includes(direction)) problems.push(`direction ${String(direction)} is neither HIGH nor LOW`);
  if (!(EPISODE_EVENTS as readonly string[]).includes(event)) problems.push(`event ${String(event)} is neither OPENED nor RESOLVED`);
  if (episodeId.length === 0 || !hasAtMostCharacters(episodeId, MAX_EPISODE_ID_LENGTH))
    problems.push(`episodeId must be 1 to ${MAX_EPISODE_ID_LENGTH} characters`);
  else if (!episodeId.startsWith(`${deviceId}/`) || !episodeId.endsWith(`/${direction}`))
    problems.push(`episodeId ${JSON.stringify(episodeId.slice(0, 80))} is not <deviceId>/<openedAt>/<direction> of this event`);
  if (!isStorableTime(episode.openedAt)) problems.push(`openedAt ${episode.openedAt} is not a storable time`);
  if (event === 'RESOLVED' && (episode.resolvedAt === null || !isStorableTime(episode.resolvedAt)))
    problems.push(`resolvedAt ${String(episode.resolvedAt)} is not a storable time for a RESOLVED event`);
  for (const field of ['firstTemperatureF', 'peakTemperatureF', 'lastTemperatureF', 'minTemp', 'maxTemp', 'hysteresis'] as const) {
    if (!Number.isFinite(episode[field])) problems.push(`${field} ${episode[field]} is not a finite number`);
  }
  if (!Number.isInteger(episode.readings) || episode.readings < 1 || episode.readings > MAX_INT)
    problems.push(`readings ${episode.readings} is not a count of readings`);
  if (!Number.isSafeInteger(episode.durationMs) || episode.durationMs < 0) problems.push(`durationMs ${episode.durationMs} is not a duration`);
  return problems;
}
