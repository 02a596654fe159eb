import type { TempRangeAlert } from '../schemas/index.js';
import { alertIdentity, alertKeyOf, type AlertStore, type NotifyingStore } from '../sinks/index.js';
import { alertNotice, type Notifier } from './notifiers/index.js';
import { NotifyingWriter, type NotifiedKind, type NotifyCounters, type NotifyingWriterOptions } from './notifying-writer.js';

/** What the alert consumer did about TempRangeAlerts; the same counts as for episodes and silence. */
export type AlertCounters = NotifyCounters;
export type AlertWriterOptions = NotifyingWriterOptions;
export { DEFAULT_MAX_NOTIFY_ATTEMPTS } from './notifying-writer.js';

export const ALERT_KIND: NotifiedKind<TempRangeAlert> = {
  sinkName: 'temp-range-alerts',
  what: 'an alert',
  identity: (alert) => alertIdentity(alertKeyOf(alert)),
  notice: alertNotice,
  describe: (alert) => ({
    alert: alert.rule,
    deviceId: alert.reading.deviceId,
    direction: alert.direction,
    readingTime: new Date(alert.reading.readingTime).toISOString(),
  }),
};

/** AlertStore speaks of `alert` where the generic store speaks of `event`. */
function asNotifyingStore(store: AlertStore): NotifyingStore<TempRangeAlert> {
  return {
    record: (alerts) => store.record(alerts),
    markNotified: (alerts) => store.markNotified(alerts),
    markFailed: (failures) => store.markFailed(failures.map(({ event, error }) => ({ alert: event, error }))),
    isTransient: (error) => store.isTransient?.(error) ?? false,
  };
}

/** Stores each TempRangeAlert once (temp_range_alert), then tells a person, once per alert (see NotifyingWriter). */
export class AlertWriter extends NotifyingWriter<TempRangeAlert> {
  constructor(store: AlertStore, notifier: Notifier, options: AlertWriterOptions = {}) {
    super(ALERT_KIND, asNotifyingStore(store), notifier, options);
  }
}
