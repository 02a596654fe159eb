import { describe, expect, it } from 'vitest';
import type { TempRangeAlert } from '../schemas/index.js';
import { alertMessage, formatDegrees } from './alert-message.js';

const alert = (over: Partial<TempRangeAlert> = {}): TempRangeAlert => ({
  reading: { deviceId: 'oven-7', readingTime: Date.UTC(2026, 0, 1, 10, 0, 0), temperature: 125.5, unit: 'FAHRENHEIT' },
  rule: 'temp-range',
  direction: 'HIGH',
  temperatureFahrenheit: 125.5,
  bound: 120,
  minTemp: 40,
  maxTemp: 120,
  sourceTopic: 'temperature-readings',
  sourcePartition: 0,
  sourceOffset: '42',
  ...over,
});

describe('alertMessage', () => {
  it('says which device read what, when, and which limit it crossed', () => {
    expect(alertMessage(alert())).toBe('device oven-7 read 125.5°F at 2026-01-01T10:00:00.000Z, above MAX_TEMP 120°F');
  });

  it('names MIN_TEMP for a LOW alert', () => {
    expect(alertMessage(alert({ direction: 'LOW', bound: 40, temperatureFahrenheit: 35, reading: { ...alert().reading, temperature: 35 } }))).toBe(
      'device oven-7 read 35°F at 2026-01-01T10:00:00.000Z, below MIN_TEMP 40°F',
    );
  });

  it('shows a Celsius reading as read and in Fahrenheit', () => {
    const a = alert({ temperatureFahrenheit: 122, reading: { ...alert().reading, temperature: 50, unit: 'CELSIUS' } });
    expect(alertMessage(a)).toBe('device oven-7 read 50°C (122°F) at 2026-01-01T10:00:00.000Z, above MAX_TEMP 120°F');
  });

  it('names other rules by their name', () => {
    expect(alertMessage(alert({ rule: 'device-limit', bound: 45 }))).toBe(
      'device oven-7 read 125.5°F at 2026-01-01T10:00:00.000Z, above the upper device-limit limit 45°F',
    );
  });

  it('rounds to two decimals', () => {
    expect([formatDegrees(98.60000000000001), formatDegrees(120), formatDegrees(-0.125)]).toEqual(['98.6', '120', '-0.12']);
  });
});
