import type { TempRangeAlert } from '../../schemas/index.js';

/** Tells a person about an alert. Resolves once delivered; rejects when it could not be. */
export interface Notifier {
  readonly name: string;
  notify(alert: TempRangeAlert, message: string): Promise<void>;
}
