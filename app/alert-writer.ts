import type { TempRangeAlert } from '../schemas/index.js';
import type { AlertStore } from '../sinks/index.js';
import { TransientError, type BatchWriter, type StreamRecord } from '../topology/index.js';
import { alertMessage } from './alert-message.js';
import type { Notifier } from './notifiers/index.js';

export interface AlertCounters {
  /** Alerts a person was told about. */
  readonly notified: number;
  /** Notifications that failed (their batch is retried). */
  readonly notifyFailures: number;
}

/**
 * Stores each alert once, then tells a person about those not told yet, then marks them. A failed
 * notification fails the batch as transient: the batching sink retries it with backoff, the store
 * answers "already stored", and only the alerts not yet marked are notified again.
 */
export class AlertWriter implements BatchWriter<StreamRecord<string | null, TempRangeAlert>> {
  readonly name = 'temp-range-alerts';
  private tally: AlertCounters = { notified: 0, notifyFailures: 0 };

  constructor(
    private readonly store: AlertStore,
    private readonly notifier: Notifier,
  ) {}

  get counters(): AlertCounters {
    return this.tally;
  }

  async write(batch: readonly StreamRecord<string | null, TempRangeAlert>[]): Promise<void> {
    const waiting = await this.store.record(batch.map((r) => r.value));
    const told: TempRangeAlert[] = [];
    const failures: string[] = [];
    for (const alert of waiting) {
      try {
        await this.notifier.notify(alert, alertMessage(alert));
        told.push(alert);
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err));
      }
    }
    if (told.length > 0) await this.store.markNotified(told);
    this.tally = { notified: this.tally.notified + told.length, notifyFailures: this.tally.notifyFailures + failures.length };
    if (failures.length > 0) throw new TransientError(`${failures.length} of ${waiting.length} alert notifications failed: ${failures[0]}`);
  }

  isTransient(error: unknown): boolean {
    return error instanceof TransientError || (this.store.isTransient?.(error) ?? false);
  }
}
