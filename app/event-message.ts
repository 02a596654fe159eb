import type { DeviceSilence, TempAlertEpisode } from '../schemas/index.js';
import { alertMessage, formatDegrees } from './alert-message.js';
import type { Notice } from './notifiers/notifier.js';

const at = (ms: number): string => new Date(ms).toISOString();

/** `50 s`, `12 min 5 s`, `2 h 3 min`: how long, to the second. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}

/**
 * One line per episode event a person can act on:
 * `device oven-7 out of range since 2026-01-01T10:00:00.000Z: 125°F, above MAX_TEMP 120°F`
 * `device oven-7 back in range at 2026-01-01T10:00:50.000Z: 110°F, after 50 s above MAX_TEMP 120°F (peak 131°F, 5 readings)`
 */
export function episodeMessage(episode: TempAlertEpisode, freeText: (text: string) => string = (text) => text): string {
  const high = episode.direction === 'HIGH';
  const limit = high ? `above MAX_TEMP ${formatDegrees(episode.maxTemp)}°F` : `below MIN_TEMP ${formatDegrees(episode.minTemp)}°F`;
  const device = `device ${freeText(episode.deviceId)}`;
  if (episode.event === 'OPENED') return `${device} out of range since ${at(episode.openedAt)}: ${formatDegrees(episode.firstTemperatureF)}°F, ${limit}`;
  const resolvedAt = episode.resolvedAt ?? episode.openedAt + episode.durationMs;
  return (
    `${device} back in range at ${at(resolvedAt)}: ${formatDegrees(episode.lastTemperatureF)}°F, after ${formatDuration(episode.durationMs)} ${limit} ` +
    `(peak ${formatDegrees(episode.peakTemperatureF)}°F, ${episode.readings} readings)`
  );
}

/**
 * `device oven-7 silent: no reading since 2026-01-01T10:00:00.000Z (timeout 1 min)`
 * `device oven-7 reporting again at 2026-01-01T10:05:00.000Z, silent since 2026-01-01T10:00:00.000Z`
 */
export function silenceMessage(silence: DeviceSilence, freeText: (text: string) => string = (text) => text): string {
  const device = `device ${freeText(silence.deviceId)}`;
  if (silence.event === 'SILENT') return `${device} silent: no reading since ${at(silence.lastSeenAt)} (timeout ${formatDuration(silence.silenceMs)})`;
  return `${device} reporting again at ${at(silence.detectedAt)}, silent since ${at(silence.lastSeenAt)}`;
}

/** The line for any notice; `freeText` is applied to what the producer chose (device id, rule name). */
export function noticeMessage(notice: Notice, freeText?: (text: string) => string): string {
  switch (notice.kind) {
    case 'alert':
      return alertMessage(notice.alert, freeText);
    case 'episode':
      return episodeMessage(notice.episode, freeText);
    case 'silence':
      return silenceMessage(notice.silence, freeText);
  }
}
