import { isMeasuredUnit } from '../../schemas/index.js';
import { isStorableTime } from '../../sinks/mysql-datetime.js';
import { MAX_DEVICE_ID_LENGTH, hasAtMostCharacters } from '../../sinks/temperature-row.js';
import type { Constraint } from './rule.js';

/** The range a sensor can physically report, in °F. Outside it the reading is an error, not a fact. */
export const LEGAL_MIN_F = 32;
export const LEGAL_MAX_F = 132;

/**
 * `legal-range`: 32 °F ≤ temperature ≤ 132 °F after converting Celsius; NaN and infinities are outside.
 * A reading in a unit this reader does not know has no range to be in: the `unit` rule judges it.
 */
export function legalRange(range: { minF?: number; maxF?: number } = {}): Constraint {
  const minF = range.minF ?? LEGAL_MIN_F;
  const maxF = range.maxF ?? LEGAL_MAX_F;
  return {
    kind: 'constraint',
    name: 'legal-range',
    description: `temperature must be between ${minF}°F and ${maxF}°F, both included`,
    // Written so that NaN fails: every comparison with NaN is false.
    holds: ({ reading, fahrenheit }) => !isMeasuredUnit(reading.unit) || (fahrenheit >= minF && fahrenheit <= maxF),
    explain: ({ reading, fahrenheit }) => {
      const shown = reading.unit === 'CELSIUS' ? `${reading.temperature}°C (${fahrenheit}°F)` : `${reading.temperature}°F`;
      if (!Number.isFinite(reading.temperature))
        return `temperature ${reading.temperature} is not a number a sensor can report (legal: ${minF}°F to ${maxF}°F)`;
      return `temperature ${shown} is outside the legal range ${minF}°F to ${maxF}°F`;
    },
  };
}

/**
 * `device-id`: 1 to 64 characters without surrounding spaces. Alerts are keyed and rows unique by
 * device id, so an id that cannot be stored or compared exactly must be stopped before either.
 */
export function deviceIdWellFormed(): Constraint {
  return {
    kind: 'constraint',
    name: 'device-id',
    description: `deviceId must be 1 to ${MAX_DEVICE_ID_LENGTH} characters, with no surrounding spaces`,
    holds: ({ reading: { deviceId } }) => deviceId.length > 0 && hasAtMostCharacters(deviceId, MAX_DEVICE_ID_LENGTH) && deviceId.trim() === deviceId,
    explain: ({ reading: { deviceId } }) =>
      `deviceId ${JSON.stringify(deviceId.slice(0, 80))} is not 1 to ${MAX_DEVICE_ID_LENGTH} characters without surrounding spaces`,
  };
}

/**
 * `reading-time`: a whole number of milliseconds from 1970 to the year 9999, as the table stores.
 * Like `device-id`, it stops a reading the sink would refuse before it can raise an alert.
 */
export function readingTimeStorable(): Constraint {
  return {
    kind: 'constraint',
    name: 'reading-time',
    description: 'readingTime must be between 1970-01-01 and 9999-12-31 (UTC)',
    holds: ({ reading: { readingTime } }) => isStorableTime(readingTime),
    explain: ({ reading: { readingTime } }) => `readingTime ${readingTime} is not between 1970-01-01 and 9999-12-31 (UTC)`,
  };
}

/**
 * `unit`: FAHRENHEIT or CELSIUS. A writer's symbol this reader does not know resolves to UNKNOWN (the
 * schema's enum default), so a new unit is refused with a clear reason instead of read as Fahrenheit.
 */
export function unitKnown(): Constraint {
  return {
    kind: 'constraint',
    name: 'unit',
    description: 'unit must be FAHRENHEIT or CELSIUS',
    holds: ({ reading: { unit } }) => isMeasuredUnit(unit),
    explain: ({ reading: { unit } }) => `unit ${unit}: the writer used a unit this reader does not know (it knows FAHRENHEIT and CELSIUS)`,
  };
}

/** How far a reading's time may lie before or after the moment its record was sent. */
export interface ReadingWindow {
  readonly maxAgeMs: number;
  readonly maxFutureMs: number;
}

/** Seven days back (a device that was offline a while catches up); five minutes ahead (clock skew). */
export const DEFAULT_READING_WINDOW: ReadingWindow = { maxAgeMs: 7 * 86_400_000, maxFutureMs: 5 * 60_000 };

/**
 * `reading-time-plausible`: the reading's time lies within the window around the moment its record was
 * sent. A device that sends epoch seconds instead of milliseconds lands in January 1970, and one with
 * a wrong clock in another year; both would be stored as facts. Judged against the record's Kafka
 * timestamp, not the clock of the process, so a backlog or a replay of old records is not refused.
 */
export function readingTimePlausible(window: ReadingWindow = DEFAULT_READING_WINDOW): Constraint {
  const days = (ms: number) => {
    for (const [unit, size] of [
      ['days', 86_400_000],
      ['hours', 3_600_000],
      ['minutes', 60_000],
      ['seconds', 1000],
    ] as const)
      if (ms % size === 0 && ms > 0) return `${ms / size} ${unit}`;
    return `${ms} ms`;
  };
  return {
    kind: 'constraint',
    name: 'reading-time-plausible',
    description: `readingTime must be at most ${days(window.maxAgeMs)} before and ${days(window.maxFutureMs)} after the record was sent`,
    holds: ({ reading: { readingTime }, sentAt }) =>
      sentAt === undefined || (readingTime >= sentAt - window.maxAgeMs && readingTime <= sentAt + window.maxFutureMs),
    explain: ({ reading: { readingTime }, sentAt }) => {
      const at = (ms: number) => (isStorableTime(ms) ? new Date(ms).toISOString() : String(ms));
      const hint =
        readingTime > 0 && sentAt !== undefined && Math.abs(readingTime * 1000 - sentAt) <= window.maxAgeMs ? ' (it looks like seconds, not milliseconds)' : '';
      return `readingTime ${readingTime} (${at(readingTime)}) is not within ${days(window.maxAgeMs)} before and ${days(window.maxFutureMs)} after the record was sent (${at(sentAt ?? 0)})${hint}`;
    },
  };
}
