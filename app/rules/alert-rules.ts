import { checkLimits, crossing, type Limits } from './limits.js';
import type { AlertRule } from './rule.js';

/** `temp-range`: a valid reading above MAX_TEMP or below MIN_TEMP (strictly, in °F) raises an alert. */
export function tempRange(limits: Limits): AlertRule {
  const { minTemp, maxTemp } = checkLimits(limits, 'temp-range');
  return {
    kind: 'alert',
    name: 'temp-range',
    description: `alert when the temperature is above MAX_TEMP ${maxTemp}°F or below MIN_TEMP ${minTemp}°F`,
    findings: ({ fahrenheit }) => {
      const found = crossing(fahrenheit, { minTemp, maxTemp });
      return found ? [found] : [];
    },
  };
}

/**
 * `device-limit`: limits for particular devices (a freezer, an oven), beside the fleet-wide ones.
 * Devices without an entry are not looked at.
 */
export function deviceLimits(limitsByDevice: Readonly<Record<string, Limits>>, name = 'device-limit'): AlertRule {
  const table = new Map(Object.entries(limitsByDevice).map(([device, limits]) => [device, checkLimits(limits, `${name} for ${device}`)]));
  return {
    kind: 'alert',
    name,
    description: `alert when one of ${table.size} devices leaves its own limits`,
    findings: ({ reading, fahrenheit }) => {
      const limits = table.get(reading.deviceId);
      const found = limits && crossing(fahrenheit, limits);
      return found ? [found] : [];
    },
  };
}
