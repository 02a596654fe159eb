/**
 * A task's ChangeLogger for the runtime: it numbers each change, hands them out in batches for the
 * producer, and says when a given change is durable, so that a record's commit can wait for its state.
 *
 * Invariant: `durableSequence` is the longest prefix of changes whose batches were all acknowledged,
 * whatever order acknowledgements come in; a callback given to `onDurable(seq)` runs exactly once,
 * and only when every change up to `seq` is durable. Pure bookkeeping, no I/O, like the commit tracker.
 *
 * How a record's commit waits (for the engine): a task processes its records one at a time; when a
 * record is done, `lastSequence` is the number of its last change (or of an earlier record's, which
 * it must wait for too, since the changelog replays in order). If that is above `durableSequence`,
 * the record's ticket retains once and `onDurable(lastSequence, release)` releases it.
 */
import type { ChangeLogger, StateChange } from './change-logger.js';

export interface ChangelogBatch {
  readonly changes: readonly StateChange[];
  /** Sequence of the batch's last change. */
  readonly upTo: number;
  /** The producer acknowledged every change of the batch (or the transaction holding it committed). */
  acknowledge(): void;
}

export class ChangelogBuffer implements ChangeLogger {
  private unsent: StateChange[] = [];
  private logged = 0;
  private taken = 0;
  private durable = 0;
  /** Batches handed out, oldest first, until the durable prefix passes them. */
  private readonly outstanding: { upTo: number; acked: boolean }[] = [];
  private waiters: { seq: number; fn: () => void }[] = [];

  logChange(key: Buffer, value: Buffer | null, timestamp: number): void {
    this.unsent.push({ key, value, timestamp });
    this.logged++;
  }

  /** Sequence of the last change logged (changes are numbered from 1; 0 means none yet). */
  get lastSequence(): number {
    return this.logged;
  }

  get durableSequence(): number {
    return this.durable;
  }

  /** Changes logged and not yet handed out. */
  get unsentCount(): number {
    return this.unsent.length;
  }

  /** The next changes to send, oldest first, at most `max`; undefined when there are none. */
  take(max = Number.POSITIVE_INFINITY): ChangelogBatch | undefined {
    if (this.unsent.length === 0) return undefined;
    const changes = this.unsent.length <= max ? this.unsent : this.unsent.slice(0, max);
    this.unsent = changes === this.unsent ? [] : this.unsent.slice(max);
    this.taken += changes.length;
    const entry = { upTo: this.taken, acked: false };
    this.outstanding.push(entry);
    return {
      changes,
      upTo: entry.upTo,
      acknowledge: () => {
        if (entry.acked) throw new Error(`changelog batch up to ${entry.upTo} acknowledged twice`);
        entry.acked = true;
        this.advance();
      },
    };
  }

  /** Runs `fn` once every change up to `seq` is durable: now, if it already is. */
  onDurable(seq: number, fn: () => void): void {
    if (seq <= this.durable) fn();
    else this.waiters.push({ seq, fn });
  }

  private advance(): void {
    while (this.outstanding.length > 0 && this.outstanding[0]!.acked) this.durable = this.outstanding.shift()!.upTo;
    const ready = this.waiters.filter((w) => w.seq <= this.durable);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.seq > this.durable);
    for (const w of ready) w.fn();
  }
}
