/**
 * Where events a person is told about are kept, and which of them were told. As with alerts
 * (alert-store.ts): store, then notify, then mark, so a crash in between repeats a notification and
 * never loses one; a redelivery of an event already settled is not told again.
 */
export interface NotifyingStore<T> {
  /**
   * Stores the events not stored yet (one transaction) and returns those of the batch whose
   * notification is still due, once per event, in batch order.
   */
  record(events: readonly T[]): Promise<T[]>;
  /** Marks events as told, so a redelivery does not notify again. */
  markNotified(events: readonly T[]): Promise<void>;
  /** Marks events nobody could be told about (for good, or out of attempts), with why: not notified again. */
  markFailed(failures: readonly EventNotifyFailure<T>[]): Promise<void>;
  isTransient?(error: unknown): boolean;
}

/** An event nobody could be told about, and why (no secret in it: it is stored). */
export interface EventNotifyFailure<T> {
  readonly event: T;
  readonly error: string;
}

/** The first event of each identity, in batch order: a batch may hold one event twice (redelivered). */
export function uniqueBy<T>(events: readonly T[], identity: (event: T) => string): T[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    const id = identity(e);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
