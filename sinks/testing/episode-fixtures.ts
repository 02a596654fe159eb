import type { TempAlertEpisode } from '../../schemas/index.js';

/**
 * A HIGH episode of `deviceId` opened at `openedAt`, as its OPENED or RESOLVED event: the one shape
 * the store, consumer and database tests share. `fields` overrides any part.
 */
export const sampleEpisode = (deviceId: string, event: 'OPENED' | 'RESOLVED', openedAt: number, fields: Partial<TempAlertEpisode> = {}): TempAlertEpisode => ({
  episodeId: `${deviceId}/${openedAt}/HIGH`,
  deviceId,
  event,
  direction: 'HIGH',
  openedAt,
  resolvedAt: event === 'RESOLVED' ? openedAt + 50_000 : null,
  firstTemperatureF: 125,
  peakTemperatureF: event === 'RESOLVED' ? 131 : 125,
  lastTemperatureF: event === 'RESOLVED' ? 110 : 125,
  readings: event === 'RESOLVED' ? 5 : 1,
  durationMs: event === 'RESOLVED' ? 50_000 : 0,
  minTemp: 40,
  maxTemp: 120,
  hysteresis: 2,
  ...fields,
});
