import type { TempRangeAlert } from '../schemas/index.js';
import { alertIdentity, alertKeyOf } from './alert-row.js';

/**
 * Where alerts are kept, and which of them a person has been told about. Notifying after the store
 * committed, and marking after notifying, gives at-least-once notification: a crash in between
 * repeats a notification, never loses one.
 */
export interface AlertStore {
  /**
   * Stores the alerts not stored yet (one transaction) and returns those of the batch that still wait
   * for a notification, once per alert identity, in batch order.
   */
  record(alerts: readonly TempRangeAlert[]): Promise<TempRangeAlert[]>;
  /** Marks alerts as notified, so a redelivery does not notify again. */
  markNotified(alerts: readonly TempRangeAlert[]): Promise<void>;
  /** Marks alerts nobody could be told about (for good, or out of attempts), with why: not notified again. */
  markFailed(failures: readonly NotifyFailure[]): Promise<void>;
  isTransient?(error: unknown): boolean;
}

/** An alert nobody could be told about, and why (no secret in it: it is stored). */
export interface NotifyFailure {
  readonly alert: TempRangeAlert;
  readonly error: string;
}

/** The first alert of each identity, in batch order: a batch may hold one alert twice (redelivered). */
export function uniqueByIdentity(alerts: readonly TempRangeAlert[]): TempRangeAlert[] {
  const seen = new Set<string>();
  return alerts.filter((a) => {
    const id = alertIdentity(alertKeyOf(a));
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
