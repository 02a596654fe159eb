import { describe, expect, it } from 'vitest';
import type { TempAlertEpisode } from '../schemas/index.js';
import { episodeMessage, formatDuration } from './event-message.js';

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [49_600, '50 s'],
    [60_000, '1 min'],
    [725_000, '12 min 5 s'],
    [3_600_000, '1 h'],
    [7_380_000, '2 h 3 min'],
  ])('%i ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('episodeMessage', () => {
  const low: TempAlertEpisode = {
    episodeId: 'freezer-2/0/LOW',
    deviceId: 'freezer-2',
    event: 'RESOLVED',
    direction: 'LOW',
    openedAt: 0,
    resolvedAt: 725_000,
    firstTemperatureF: 38,
    peakTemperatureF: 31.456,
    lastTemperatureF: 42.5,
    readings: 73,
    durationMs: 725_000,
    minTemp: 40,
    maxTemp: 120,
    hysteresis: 2,
  };

  it('names MIN_TEMP, the lowest reading as the peak, and how long it lasted for a LOW episode', () => {
    expect(episodeMessage(low)).toBe(
      'device freezer-2 back in range at 1970-01-01T00:12:05.000Z: 42.5°F, after 12 min 5 s below MIN_TEMP 40°F (peak 31.46°F, 73 readings)',
    );
    expect(episodeMessage({ ...low, event: 'OPENED', resolvedAt: null })).toBe(
      'device freezer-2 out of range since 1970-01-01T00:00:00.000Z: 38°F, below MIN_TEMP 40°F',
    );
  });
});
