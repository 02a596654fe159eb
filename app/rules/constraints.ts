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
      if (!Number.isFinite(reading.temperature)) return `temperature ${reading.temperature} is not a number a sensor can report (legal: ${minF}°F to ${maxF}°F)`;
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
    explain: ({ reading: { deviceId } }) => `deviceId ${JSON.stringify(deviceId.slice(0, 80))} is not 1 to ${MAX_DEVICE_ID_LENGTH} characters without surrounding spaces`,
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
