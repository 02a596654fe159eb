import type { DeviceSilence } from '../../schemas/index.js';
import { cutToCharacters, MAX_NOTIFY_ERROR_LENGTH } from '../alert-row.js';
import { uniqueBy, type EventNotifyFailure, type NotifyingStore } from '../notifying-store.js';
import { silenceIdentity, silenceKeyOf } from '../silence-row.js';

const identityOf = (silence: DeviceSilence): string => silenceIdentity(silenceKeyOf(silence));

/** Table `device_silence` in memory: one row per device, event and last-seen time, notified once. */
export class InMemorySilenceStore implements NotifyingStore<DeviceSilence> {
  private readonly stored = new Map<string, { event: DeviceSilence; status?: 'notified' | 'failed'; error?: string }>();

  get events(): readonly DeviceSilence[] {
    return [...this.stored.values()].map((e) => e.event);
  }

  get notified(): readonly DeviceSilence[] {
    return [...this.stored.values()].filter((e) => e.status === 'notified').map((e) => e.event);
  }

  get failed(): readonly EventNotifyFailure<DeviceSilence>[] {
    return [...this.stored.values()].flatMap((e) => (e.status === 'failed' ? [{ event: e.event, error: e.error ?? '' }] : []));
  }

  record(events: readonly DeviceSilence[]): Promise<DeviceSilence[]> {
    const unique = uniqueBy(events, identityOf);
    for (const event of unique) if (!this.stored.has(identityOf(event))) this.stored.set(identityOf(event), { event });
    return Promise.resolve(unique.filter((e) => this.stored.get(identityOf(e))?.status === undefined));
  }

  markNotified(events: readonly DeviceSilence[]): Promise<void> {
    for (const event of events) this.settle(event, 'notified');
    return Promise.resolve();
  }

  markFailed(failures: readonly EventNotifyFailure<DeviceSilence>[]): Promise<void> {
    for (const { event, error } of failures) this.settle(event, 'failed', cutToCharacters(error, MAX_NOTIFY_ERROR_LENGTH));
    return Promise.resolve();
  }

  private settle(event: DeviceSilence, status: 'notified' | 'failed', error?: string): void {
    const entry = this.stored.get(identityOf(event));
    if (entry && entry.status === undefined) Object.assign(entry, { status, error });
  }
}
