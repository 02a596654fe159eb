/**
 * Silent devices: what is remembered of a device's last reading, and the two pure steps that
 * change it, a reading and a check of the wall clock.
 *
 * Invariant (property-tested in silence-tracker.test.ts), for any interleaving of readings and checks:
 * - SILENT and BACK alternate per device, SILENT first: a silence is reported once however many checks
 *   pass while it lasts, and BACK only after a SILENT;
 * - SILENT is raised only for a device that was seen, by a check at least `silenceMs` after its last reading;
 * - a device whose readings are never `silenceMs` apart (by the checks' clock) is never reported.
 */
import type { DeviceSilence } from '../../schemas/index.js';

/** Kept per device in the `device-last-seen` store. */
export interface LastSeen {
  /** Wall-clock ms the pipeline last received a reading of the device. */
  readonly lastSeenAt: number;
  /** SILENT was sent and no reading came since. */
  readonly silent: boolean;
}

export interface SilenceStep {
  readonly seen: LastSeen;
  /** The event to send, if any. */
  readonly event?: DeviceSilence;
}

/** The default timeout: a minute without a reading. */
export const DEFAULT_SILENCE_MS = 60_000;

/** How often to look for silent devices: a quarter of the timeout (a silence is noticed at most 25 % late), at most every 5 s. */
export const silenceCheckIntervalMs = (silenceMs: number): number => Math.max(1, Math.min(Math.floor(silenceMs / 4), 5_000));

export function checkSilenceMs(silenceMs: number, what: string): number {
  if (!Number.isSafeInteger(silenceMs) || silenceMs < 1)
    throw new RangeError(`${what}: the silence timeout must be a whole number of ms, 1 or more; got ${silenceMs}`);
  return silenceMs;
}

/** A reading arrived at wall-clock `now`: the device is seen; BACK if it had been reported silent. */
export function onReading(deviceId: string, before: LastSeen | undefined, now: number, silenceMs: number): SilenceStep {
  const seen: LastSeen = { lastSeenAt: now, silent: false };
  if (!before?.silent) return { seen };
  return { seen, event: { deviceId, event: 'BACK', lastSeenAt: before.lastSeenAt, detectedAt: now, silenceMs } };
}

/** A check at wall-clock `now`: SILENT once the device has not been seen for `silenceMs`. */
export function onCheck(deviceId: string, seen: LastSeen, now: number, silenceMs: number): SilenceStep {
  if (seen.silent || now - seen.lastSeenAt < silenceMs) return { seen };
  return { seen: { ...seen, silent: true }, event: { deviceId, event: 'SILENT', lastSeenAt: seen.lastSeenAt, detectedAt: now, silenceMs } };
}
