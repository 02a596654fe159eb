/**
 * Alert episodes of one device: a pure state machine, one step per valid reading.
 *
 * An episode OPENS with a reading strictly above `maxTemp` (HIGH) or strictly below `minTemp` (LOW),
 * the same crossing the `temp-range` alert rule uses. It RESOLVES only with a reading back inside by
 * the hysteresis margin: at or below `maxTemp - hysteresis` for HIGH, at or above
 * `minTemp + hysteresis` for LOW. Readings between the limit and the margin extend the episode. A
 * reading that crosses from one side straight to the other resolves the episode and opens the other.
 *
 * Invariant (property-tested in episode-tracker.test.ts), for every sequence of readings of a device:
 * - events alternate OPENED, RESOLVED, OPENED...: never two OPENED without a RESOLVED between;
 * - every RESOLVED carries the episodeId of the OPENED just before it;
 * - a device whose readings stay within the margin of a limit (never back inside by it) opens at most
 *   once: hovering at a limit does not flap;
 * - the state after a step is undefined exactly when the last event was RESOLVED (or none came).
 * Readings whose temperature is not a finite number change nothing.
 */
import type { AlertDirection, TempAlertEpisode } from '../../schemas/index.js';
import { checkLimits, crossing, type Limits } from '../rules/index.js';

export interface EpisodeSettings extends Limits {
  /** °F a reading must be back inside a limit by to resolve the episode; 0 resolves at the limit. */
  readonly hysteresis: number;
}

/** The default margin: 2 °F. */
export const DEFAULT_HYSTERESIS_F = 2;

/** What is remembered of a device's open episode between readings (kept in a state store). */
export interface OpenEpisode {
  readonly direction: AlertDirection;
  /** Reading time of the reading that opened it. */
  readonly openedAt: number;
  readonly firstTemperatureF: number;
  /** The highest reading for HIGH, the lowest for LOW. */
  readonly peakTemperatureF: number;
  readonly lastTemperatureF: number;
  /** Readings since it opened, the opening one included. */
  readonly readings: number;
  /** The latest reading time seen: readings may arrive out of time order, durations never go negative. */
  readonly latestReadingAt: number;
}

/** One reading of a device in °F. */
export interface EpisodeReading {
  readonly deviceId: string;
  /** Epoch ms. */
  readonly readingTime: number;
  readonly fahrenheit: number;
}

export interface EpisodeStep {
  /** The open episode after this reading, if any. */
  readonly open: OpenEpisode | undefined;
  /** 0, 1 or 2 events (2: RESOLVED then OPENED, when a reading crosses from one side to the other). */
  readonly events: readonly TempAlertEpisode[];
}

/**
 * Refuses a margin that is negative, not a number, or so wide that the resolving bands of the two
 * limits overlap (`hysteresis` above half the gap between them): then a reading could be "back
 * inside" for one limit while still alarming for the other.
 */
export function checkEpisodeSettings(settings: EpisodeSettings, what: string): EpisodeSettings {
  checkLimits(settings, what);
  const { minTemp, maxTemp, hysteresis } = settings;
  if (!Number.isFinite(hysteresis) || hysteresis < 0) throw new RangeError(`${what}: the hysteresis must be a number of °F, 0 or more; got ${hysteresis}`);
  if (hysteresis > (maxTemp - minTemp) / 2)
    throw new RangeError(`${what}: the hysteresis ${hysteresis}°F is more than half the gap between MIN_TEMP ${minTemp}°F and MAX_TEMP ${maxTemp}°F`);
  return settings;
}

export const episodeIdOf = (deviceId: string, openedAt: number, direction: AlertDirection): string => `${deviceId}/${openedAt}/${direction}`;

/** True when `fahrenheit` is back inside the limit of `direction` by the margin. */
export function isBackInside(direction: AlertDirection, fahrenheit: number, settings: EpisodeSettings): boolean {
  return direction === 'HIGH' ? fahrenheit <= settings.maxTemp - settings.hysteresis : fahrenheit >= settings.minTemp + settings.hysteresis;
}

/** One step: the device's open episode (or none) and its next reading give the new state and the events to send. */
export function trackEpisode(open: OpenEpisode | undefined, reading: EpisodeReading, settings: EpisodeSettings): EpisodeStep {
  const { fahrenheit, readingTime } = reading;
  if (!Number.isFinite(fahrenheit)) return { open, events: [] };
  if (open === undefined) return opening(reading, settings, []);

  const extended: OpenEpisode = {
    ...open,
    peakTemperatureF: open.direction === 'HIGH' ? Math.max(open.peakTemperatureF, fahrenheit) : Math.min(open.peakTemperatureF, fahrenheit),
    lastTemperatureF: fahrenheit,
    readings: open.readings + 1,
    latestReadingAt: Math.max(open.latestReadingAt, readingTime),
  };
  if (!isBackInside(open.direction, fahrenheit, settings)) return { open: extended, events: [] };
  const resolved = toEvent(reading.deviceId, extended, settings, 'RESOLVED', readingTime);
  // Back inside for this limit may still be across the other one (HIGH straight to LOW).
  return opening(reading, settings, [resolved]);
}

function opening(reading: EpisodeReading, settings: EpisodeSettings, before: TempAlertEpisode[]): EpisodeStep {
  const found = crossing(reading.fahrenheit, settings);
  if (!found) return { open: undefined, events: before };
  const open: OpenEpisode = {
    direction: found.direction,
    openedAt: reading.readingTime,
    firstTemperatureF: reading.fahrenheit,
    peakTemperatureF: reading.fahrenheit,
    lastTemperatureF: reading.fahrenheit,
    readings: 1,
    latestReadingAt: reading.readingTime,
  };
  return { open, events: [...before, toEvent(reading.deviceId, open, settings, 'OPENED', null)] };
}

function toEvent(
  deviceId: string,
  episode: OpenEpisode,
  settings: EpisodeSettings,
  event: TempAlertEpisode['event'],
  resolvedAt: number | null,
): TempAlertEpisode {
  return {
    episodeId: episodeIdOf(deviceId, episode.openedAt, episode.direction),
    deviceId,
    event,
    direction: episode.direction,
    openedAt: episode.openedAt,
    resolvedAt,
    firstTemperatureF: episode.firstTemperatureF,
    peakTemperatureF: episode.peakTemperatureF,
    lastTemperatureF: episode.lastTemperatureF,
    readings: episode.readings,
    durationMs: episode.latestReadingAt - episode.openedAt,
    minTemp: settings.minTemp,
    maxTemp: settings.maxTemp,
    hysteresis: settings.hysteresis,
  };
}
