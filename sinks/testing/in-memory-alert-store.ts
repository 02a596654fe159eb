import type { TempRangeAlert } from '../../schemas/index.js';
import { alertIdentity, alertKeyOf } from '../alert-row.js';
import { uniqueByIdentity, type AlertStore } from '../alert-store.js';

/** Table `temp_range_alert` in memory, for tests and the default cucumber world. */
export class InMemoryAlertStore implements AlertStore {
  private readonly stored = new Map<string, { alert: TempRangeAlert; notified: boolean }>();

  get alerts(): readonly TempRangeAlert[] {
    return [...this.stored.values()].map((e) => e.alert);
  }

  get notified(): readonly TempRangeAlert[] {
    return [...this.stored.values()].filter((e) => e.notified).map((e) => e.alert);
  }

  record(alerts: readonly TempRangeAlert[]): Promise<TempRangeAlert[]> {
    for (const alert of alerts) {
      const id = alertIdentity(alertKeyOf(alert));
      if (!this.stored.has(id)) this.stored.set(id, { alert, notified: false });
    }
    return Promise.resolve(uniqueByIdentity(alerts).filter((a) => this.stored.get(alertIdentity(alertKeyOf(a)))?.notified === false));
  }

  markNotified(alerts: readonly TempRangeAlert[]): Promise<void> {
    for (const alert of alerts) {
      const entry = this.stored.get(alertIdentity(alertKeyOf(alert)));
      if (entry) entry.notified = true;
    }
    return Promise.resolve();
  }
}
