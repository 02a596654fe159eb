import type { EventNotifyFailure, NotifyingStore } from '../sinks/index.js';
import { errorMessage, TransientError, type BatchWriter, type Logger, type StreamRecord } from '../topology/index.js';
import { noticeMessage } from './event-message.js';
import { isPermanentNotifyFailure, NotifyError, type Notice, type Notifier } from './notifiers/index.js';

export interface NotifyCounters {
  /** Events a person was told about. */
  readonly notified: number;
  /** Notification attempts that failed (a transient one has its batch retried). */
  readonly notifyFailures: number;
  /** Events recorded as failed: refused for good, or still failing after the last attempt. */
  readonly failedForGood: number;
}

/** What the writer needs to know about one kind of event. */
export interface NotifiedKind<T> {
  /** The sink's name. */
  readonly sinkName: string;
  /** In log lines: `an alert`, `an episode event`... */
  readonly what: string;
  /** One notification per identity. */
  identity(event: T): string;
  notice(event: T): Notice;
  /** Log fields naming the event when its notification failed for good. */
  describe(event: T): Record<string, unknown>;
}

export interface NotifyingWriterOptions {
  /** Attempts per event, the first included, before a failing notification is recorded as failed. */
  readonly maxNotifyAttempts?: number;
  /** False: store only, tell nobody (the events of a kind the consumer does not notify about). */
  readonly notify?: boolean;
  readonly logger?: Logger;
}

/** Five tries, with the batching sink's backoff between them, ride out a restart of the receiver. */
export const DEFAULT_MAX_NOTIFY_ATTEMPTS = 5;

/** Events between attempts; an event whose batch was abandoned (a stop, a rebalance) leaves its entry. */
const MAX_PENDING = 10_000;

/** An event whose notification failed and will be tried again. */
interface Pending {
  attempts: number;
  /** Notifiers of a fan-out done with it: not told again. */
  readonly settled: Set<string>;
  readonly firstError: string;
}

/**
 * Stores each event once, then tells a person about those not settled yet, then marks them. A
 * transient notification failure fails the batch as transient: the batching sink retries it with
 * backoff, the store answers "already stored", and only the events not yet settled are notified
 * again, skipping the channels that delivered. A permanent failure, or one still failing after
 * `maxNotifyAttempts`, is recorded on the event's row, counted and logged, and the batch goes on:
 * a broken channel must not stop later events from being stored and told.
 */
export class NotifyingWriter<T> implements BatchWriter<StreamRecord<string | null, T>> {
  readonly name: string;
  private tally: NotifyCounters = { notified: 0, notifyFailures: 0, failedForGood: 0 };
  private readonly pending = new Map<string, Pending>();
  private readonly maxAttempts: number;

  constructor(
    private readonly kind: NotifiedKind<T>,
    private readonly store: NotifyingStore<T>,
    private readonly notifier: Notifier,
    private readonly options: NotifyingWriterOptions = {},
  ) {
    this.name = kind.sinkName;
    this.maxAttempts = Math.max(1, options.maxNotifyAttempts ?? DEFAULT_MAX_NOTIFY_ATTEMPTS);
  }

  get counters(): NotifyCounters {
    return this.tally;
  }

  async write(batch: readonly StreamRecord<string | null, T>[]): Promise<void> {
    const waiting = await this.store.record(batch.map((r) => r.value));
    if (this.options.notify === false) return;
    const told: T[] = [];
    const failed: (EventNotifyFailure<T> & { attempts: number })[] = [];
    const retrying: string[] = [];
    for (const event of waiting) {
      const id = this.kind.identity(event);
      const before = this.pending.get(id);
      try {
        const notice = this.kind.notice(event);
        await this.notifier.notify(notice, noticeMessage(notice), { skip: before?.settled });
        this.pending.delete(id);
        told.push(event);
        continue;
      } catch (err) {
        const error = errorMessage(err);
        const entry = before ?? { attempts: 0, settled: new Set<string>(), firstError: error };
        entry.attempts++;
        if (err instanceof NotifyError) for (const name of err.settled) entry.settled.add(name);
        if (isPermanentNotifyFailure(err)) {
          this.pending.delete(id);
          failed.push({ event, error: before ? gaveUp(entry, error) : error, attempts: entry.attempts });
        } else if (entry.attempts >= this.maxAttempts) {
          this.pending.delete(id);
          failed.push({ event, error: gaveUp(entry, error), attempts: entry.attempts });
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
    if (retrying.length > 0) throw new TransientError(`${retrying.length} of ${waiting.length} notifications failed and will be retried: ${retrying[0]}`);
  }

  isTransient(error: unknown): boolean {
    return error instanceof TransientError || (this.store.isTransient?.(error) ?? false);
  }

  private remember(id: string, entry: Pending): void {
    this.pending.delete(id); // re-inserted last: the oldest entries go first when there are too many
    this.pending.set(id, entry);
    if (this.pending.size > MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
  }

  private logFailure({ event, error, attempts }: EventNotifyFailure<T> & { attempts: number }): void {
    this.options.logger?.error(
      { ...this.kind.describe(event), notifier: this.notifier.name, attempts, error },
      `notifying about ${this.kind.what} failed for good; recorded on its row (notify_status failed) and not retried`,
    );
  }
}

/** The first failure names every channel that failed; the last one may differ (a 503, then a timeout). */
function gaveUp(entry: Pending, lastError: string): string {
  const last = lastError === entry.firstError ? '' : ` (last: ${lastError})`;
  return `gave up after ${entry.attempts} attempts: ${entry.firstError}${last}`;
}
