import { SILENCE_EVENTS, type DeviceSilence } from '../schemas/index.js';
import { isStorableTime, toMysqlDatetime } from './mysql-datetime.js';
import { hasAtMostCharacters, MAX_DEVICE_ID_LENGTH } from './temperature-row.js';

export const SILENCE_TABLE = 'device_silence';

/** One row of table `device_silence` as bound into SQL (`id` and the notify columns are the table's). */
export interface SilenceRow {
  readonly device_id: string;
  readonly event: string;
  readonly last_seen_at: string;
  readonly detected_at: string;
  readonly silence_ms: number;
}

export const SILENCE_COLUMNS = ['device_id', 'event', 'last_seen_at', 'detected_at', 'silence_ms'] as const satisfies readonly (keyof SilenceRow)[];

/** UNIQUE(device_id, event, last_seen_at): a SILENT and its BACK share `last_seen_at`, a redelivery is the same row. */
export const SILENCE_KEY_COLUMNS = ['device_id', 'event', 'last_seen_at'] as const satisfies readonly (keyof SilenceRow)[];

export type SilenceKey = Pick<SilenceRow, (typeof SILENCE_KEY_COLUMNS)[number]>;

export function toSilenceRow(silence: DeviceSilence): SilenceRow {
  return {
    device_id: silence.deviceId,
    event: silence.event,
    last_seen_at: toMysqlDatetime(silence.lastSeenAt),
    detected_at: toMysqlDatetime(silence.detectedAt),
    silence_ms: silence.silenceMs,
  };
}

export const silenceKeyOf = (silence: DeviceSilence): SilenceKey => ({
  device_id: silence.deviceId,
  event: silence.event,
  last_seen_at: toMysqlDatetime(silence.lastSeenAt),
});

export const silenceIdentity = (key: SilenceKey): string => [key.device_id, key.event, key.last_seen_at].join('\u0000');

/** What table `device_silence` cannot store, checked before writing so one bad event is refused alone. */
export function silenceRowProblems(silence: DeviceSilence): string[] {
  const problems: string[] = [];
  if (silence.deviceId.length === 0 || !hasAtMostCharacters(silence.deviceId, MAX_DEVICE_ID_LENGTH))
    problems.push(`deviceId must be 1 to ${MAX_DEVICE_ID_LENGTH} characters`);
  if (!(SILENCE_EVENTS as readonly string[]).includes(silence.event)) problems.push(`event ${String(silence.event)} is neither SILENT nor BACK`);
  if (!isStorableTime(silence.lastSeenAt)) problems.push(`lastSeenAt ${silence.lastSeenAt} is not a storable time`);
  if (!isStorableTime(silence.detectedAt)) problems.push(`detectedAt ${silence.detectedAt} is not a storable time`);
  if (!Number.isSafeInteger(silence.silenceMs) || silence.silenceMs < 0) problems.push(`silenceMs ${silence.silenceMs} is not a duration`);
  return problems;
}
