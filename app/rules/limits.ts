import type { Finding } from './rule.js';

/** A pair of alert limits in °F; strict: a reading exactly at a limit is inside. */
export interface Limits {
  readonly minTemp: number;
  readonly maxTemp: number;
}

/** Refuses limits that would silently alert on everything or nothing. */
export function checkLimits(limits: Limits, what: string): Limits {
  const { minTemp, maxTemp } = limits;
  if (!Number.isFinite(minTemp) || !Number.isFinite(maxTemp)) throw new RangeError(`${what}: limits must be finite numbers, got ${minTemp} and ${maxTemp}`);
  if (minTemp > maxTemp) throw new RangeError(`${what}: MIN_TEMP ${minTemp} is above MAX_TEMP ${maxTemp}`);
  return limits;
}

/** HIGH above `maxTemp`, LOW below `minTemp`, nothing at or between them. */
export function crossing(fahrenheit: number, limits: Limits): Finding | undefined {
  if (fahrenheit > limits.maxTemp) return { direction: 'HIGH', bound: limits.maxTemp, ...limits };
  if (fahrenheit < limits.minTemp) return { direction: 'LOW', bound: limits.minTemp, ...limits };
  return undefined;
}
