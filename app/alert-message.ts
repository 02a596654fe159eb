import type { TempRangeAlert } from '../schemas/index.js';

/** Up to two decimals, no trailing zeros: 140.2, 120, 98.61. */
export const formatDegrees = (n: number): string => String(Math.round(n * 100) / 100);

/**
 * One line a person can act on: which device, what it read, when, and which limit it crossed.
 * `device oven-7 read 125.5°F at 2026-01-01T10:00:00.000Z, above MAX_TEMP 120°F`
 * `freeText` is applied to what the alert's producer chose (device id, rule name), e.g. to escape
 * them for chat markup.
 */
export function alertMessage(alert: TempRangeAlert, freeText: (text: string) => string = (text) => text): string {
  const { deviceId, readingTime, temperature, unit } = alert.reading;
  const value =
    unit === 'CELSIUS'
      ? `${formatDegrees(temperature)}°C (${formatDegrees(alert.temperatureFahrenheit)}°F)`
      : `${formatDegrees(alert.temperatureFahrenheit)}°F`;
  const side = alert.direction === 'HIGH' ? 'above' : 'below';
  return `device ${freeText(deviceId)} read ${value} at ${new Date(readingTime).toISOString()}, ${side} ${limitName(alert, freeText)} ${formatDegrees(alert.bound)}°F`;
}

/** The fleet-wide limits go by their configuration names; other rules name themselves. */
function limitName(alert: TempRangeAlert, freeText: (text: string) => string): string {
  if (alert.rule === 'temp-range') return alert.direction === 'HIGH' ? 'MAX_TEMP' : 'MIN_TEMP';
  return `the ${alert.direction === 'HIGH' ? 'upper' : 'lower'} ${freeText(alert.rule)} limit`;
}
