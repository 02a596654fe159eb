import type { TempRangeAlert } from '../../schemas/index.js';
import { alertIdentity, alertKeyOf, cutToCharacters, MAX_NOTIFY_ERROR_LENGTH } from '../alert-row.js';
import { uniqueByIdentity, type AlertStore, type NotifyFailure } from '../alert-store.js';

/** Table `temp_range_alert` in memory, for tests and the default cucumber world. */
export class InMemoryAlertStore implements AlertStore {
  private readonly stored = new Map<string, { alert: TempRangeAlert; status?: 'notified' | 'failed'; error?: string }>();

  get alerts(): readonly TempRangeAlert[] {
    return [...this.stored.values()].map((e) => e.alert);
  }

  get notified(): readonly TempRangeAlert[] {
    return [...this.stored.values()].filter((e) => e.status === 'notified').map((e) => e.alert);
  }

  get failed(): readonly NotifyFailure[] {
    return [...this.stored.values()].flatMap((e) => (e.status === 'failed' ? [{ alert: e.alert, error: e.error ?? '' }] : []));
  }

  record(alerts: readonly TempRangeAlert[]): Promise<TempRangeAlert[]> {
    for (const alert of alerts) {
      const id = alertIdentity(alertKeyOf(alert));
      if (!this.stored.has(id)) this.stored.set(id, { alert });
    }
    return Promise.resolve(uniqueByIdentity(alerts).filter((a) => this.stored.get(alertIdentity(alertKeyOf(a)))?.status === undefined));
  }

  markNotified(alerts: readonly TempRangeAlert[]): Promise<void> {
    for (const alert of alerts) this.settle(alert, 'notified');
    return Promise.resolve();
  }

  markFailed(failures: readonly NotifyFailure[]): Promise<void> {
    for (const { alert, error } of failures) this.settle(alert, 'failed', cutToCharacters(error, MAX_NOTIFY_ERROR_LENGTH));
    return Promise.resolve();
  }

  /** Like the table's UPDATEs: only an alert not settled yet. */
  private settle(alert: TempRangeAlert, status: 'notified' | 'failed', error?: string): void {
    const entry = this.stored.get(alertIdentity(alertKeyOf(alert)));
    if (entry && entry.status === undefined) Object.assign(entry, { status, error });
  }
}
