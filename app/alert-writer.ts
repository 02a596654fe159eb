import type { TempRangeAlert } from '../schemas/index.js';
import { alertIdentity, alertKeyOf, type AlertStore, type NotifyFailure } from '../sinks/index.js';
import { errorMessage, TransientError, type BatchWriter, type Logger, type StreamRecord } from '../topology/index.js';
import { alertMessage } from './alert-message.js';
import { isPermanentNotifyFailure, NotifyError, type Notifier } from './notifiers/index.js';

export interface AlertCounters {
  /** Alerts a person was told about. */
  readonly notified: number;
  /** Notification attempts that failed (a transient one has its batch retried). */
  readonly notifyFailures: number;
  /** Alerts recorded as failed: refused for good, or still failing after the last attempt. */
  readonly failedForGood: number;
}

export interface AlertWriterOptions {
  /** Attempts per alert, the first included, before a failing notification is recorded as failed. */
  readonly maxNotifyAttempts?: number;
  readonly logger?: Logger;
}

/** Five tries, with the batching sink's backoff between them, ride out a restart of the receiver. */
export const DEFAULT_MAX_NOTIFY_ATTEMPTS = 5;

/** Alerts between attempts; an alert whose batch was abandoned (a stop, a rebalance) leaves its entry. */
const MAX_PENDING = 10_000;

/** An alert whose notification failed and will be tried again. */
interface Pending {
  attempts: number;
  /** Notifiers of a fan-out done with it: not told again. */
  readonly settled: Set<string>;
  readonly firstError: string;
}

/**
 * Stores each alert once, then tells a person about those not settled yet, then marks them. A
 * transient notification failure fails the batch as transient: the batching sink retries it with
 * backoff, the store answers "already stored", and only the alerts not yet settled are notified
 * again, skipping the channels that delivered. A permanent failure, or one still failing after
 * `maxNotifyAttempts`, is recorded on the alert's row, counted and logged, and the batch goes on:
 * a broken channel must not stop later alerts from being stored and told.
 */
export class AlertWriter implements BatchWriter<StreamRecord<string | null, TempRangeAlert>> {
  readonly name = 'temp-range-alerts';
  private tally: AlertCounters = { notified: 0, notifyFailures: 0, failedForGood: 0 };
  private readonly pending = new Map<string, Pending>();
  private readonly maxAttempts: number;

  constructor(
    private readonly store: AlertStore,
    private readonly notifier: Notifier,
    private readonly options: AlertWriterOptions = {},
  ) {
    this.maxAttempts = Math.max(1, options.maxNotifyAttempts ?? DEFAULT_MAX_NOTIFY_ATTEMPTS);
  }

  get counters(): AlertCounters {
    return this.tally;
  }

  async write(batch: readonly StreamRecord<string | null, TempRangeAlert>[]): Promise<void> {
    const waiting = await this.store.record(batch.map((r) => r.value));
    const told: TempRangeAlert[] = [];
    const failed: (NotifyFailure & { attempts: number })[] = [];
    const retrying: string[] = [];
    for (const alert of waiting) {
      const id = alertIdentity(alertKeyOf(alert));
      const before = this.pending.get(id);
      try {
        await this.notifier.notify(alert, alertMessage(alert), { skip: before?.settled });
        this.pending.delete(id);
        told.push(alert);
        continue;
      } catch (err) {
        const error = errorMessage(err);
        const entry = before ?? { attempts: 0, settled: new Set<string>(), firstError: error };
        entry.attempts++;
        if (err instanceof NotifyError) for (const name of err.settled) entry.settled.add(name);
        if (isPermanentNotifyFailure(err)) {
          this.pending.delete(id);
          failed.push({ alert, error: before ? gaveUp(entry, error) : error, attempts: entry.attempts });
        } else if (entry.attempts >= this.maxAttempts) {
          this.pending.delete(id);
          failed.push({ alert, error: gaveUp(entry, error), attempts: entry.attempts });
        } else {
          this.remember(id, entry);
          retrying.push(error);
        }
      }
    }
    if (told.length > 0) await this.store.markNotified(told);
    if (failed.length > 0) await this.store.markFailed(failed);
    for (const f of failed) this.logFailure(f);
    this.tally = {
      notified: this.tally.notified + told.length,
      notifyFailures: this.tally.notifyFailures + failed.length + retrying.length,
      failedForGood: this.tally.failedForGood + failed.length,
    };
    if (retrying.length > 0) throw new TransientError(`${retrying.length} of ${waiting.length} alert notifications failed and will be retried: ${retrying[0]}`);
  }

  isTransient(error: unknown): boolean {
    return error instanceof TransientError || (this.store.isTransient?.(error) ?? false);
  }

  private remember(id: string, entry: Pending): void {
    this.pending.delete(id); // re-inserted last: the oldest entries go first when there are too many
    this.pending.set(id, entry);
    if (this.pending.size > MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
  }

  private logFailure({ alert, error, attempts }: NotifyFailure & { attempts: number }): void {
    this.options.logger?.error(
      {
        alert: alert.rule,
        deviceId: alert.reading.deviceId,
        direction: alert.direction,
        readingTime: new Date(alert.reading.readingTime).toISOString(),
        notifier: this.notifier.name,
        attempts,
        error,
      },
      'notifying about an alert failed for good; recorded on its row (notify_status failed) and not retried',
    );
  }
}

/** The first failure names every channel that failed; the last one may differ (a 503, then a timeout). */
function gaveUp(entry: Pending, lastError: string): string {
  const last = lastError === entry.firstError ? '' : ` (last: ${lastError})`;
  return `gave up after ${entry.attempts} attempts: ${entry.firstError}${last}`;
}
