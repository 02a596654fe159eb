import { checkLimits, crossing, type Limits } from './limits.js';
import type { AlertRule, Finding } from './rule.js';

/** What a rule finds in nearly every reading, shared rather than a new empty list each time. */
const NO_FINDINGS: readonly Finding[] = Object.freeze([]);

/** `temp-range`: a valid reading above MAX_TEMP or below MIN_TEMP (strictly, in °F) raises an alert. */
export function tempRange(limits: Limits): AlertRule {
  const { minTemp, maxTemp } = checkLimits(limits, 'temp-range');
  // Made once: the rule runs for every reading.
  const checked: Limits = { minTemp, maxTemp };
  return {
    kind: 'alert',
    name: 'temp-range',
    description: `alert when the temperature is above MAX_TEMP ${maxTemp}°F or below MIN_TEMP ${minTemp}°F`,
    findings: ({ fahrenheit }) => {
      const found = crossing(fahrenheit, checked);
      return found ? [found] : NO_FINDINGS;
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
      return found ? [found] : NO_FINDINGS;
    },
  };
}
