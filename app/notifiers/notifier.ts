import type { TempRangeAlert } from '../../schemas/index.js';

export interface NotifyOptions {
  /** Names of notifiers that are done with this alert (delivered before): not to be told again. */
  readonly skip?: ReadonlySet<string>;
}

/**
 * Tells a person about an alert. Resolves once delivered; rejects when it could not be, with a
 * NotifyError saying whether retrying may help (any other error counts as worth a bounded retry).
 */
export interface Notifier {
  readonly name: string;
  notify(alert: TempRangeAlert, message: string, options?: NotifyOptions): Promise<void>;
}
