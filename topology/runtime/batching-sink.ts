import { SinkError, TopologyError, TransientError, errorMessage } from '../errors.js';
import type { BatchingOptions, BatchOutcome, BatchWriter } from '../dsl/sink-contract.js';
import { backoffMs, sleep, type Clock } from './clock.js';

export const DEFAULT_BATCHING: BatchingOptions = {
  maxRecords: 1000,
  maxBytes: 4 * 1024 * 1024,
  lingerMs: 100,
  retryInitialMs: 100,
  retryMaxMs: 10_000,
  maxConcurrentWrites: 1,
};

/** How a batching sink reports the fate of each item back to whoever tracks it. */
export interface ItemCallbacks {
  written(): void;
  refused(error: TopologyError): void;
}

export interface SinkObserver {
  flushed?(sink: string, records: number, millis: number): void;
  retrying?(sink: string, attempt: number, error: unknown): void;
  isolated?(sink: string, error: TopologyError): void;
}

interface Entry<T> {
  readonly item: T;
  readonly callbacks: ItemCallbacks;
  readonly bytes: number;
}

export const defaultIsTransient = (error: unknown): boolean => error instanceof TransientError || (error instanceof SinkError && error.transient);

/**
 * Buffers items and writes them in batches: on a count, a byte size or a linger time, whichever comes
 * first. Up to `maxConcurrentWrites` writes are in flight (one by default, in order). A transient
 * failure is retried with backoff, unchanged; a permanent one splits the batch in halves until the
 * poison item stands alone and is refused, so the good items still land. Nothing is acknowledged
 * before its batch's write returned.
 */
export class BatchingSink<T> {
  private buffer: Entry<T>[] = [];
  private bufferedBytes = 0;
  private lingerTimer: unknown;
  /** Writes in flight. */
  private readonly writing = new Set<Promise<void>>();
  private lingerExpired = false;

  constructor(
    private readonly writer: BatchWriter<T>,
    private readonly options: BatchingOptions,
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
    private readonly observer: SinkObserver = {},
    /** A flush that throws (a callback or writer bug, not a write failure) cannot be retried safely. */
    private readonly onBroken: (error: unknown) => void = () => undefined,
  ) {}

  get name(): string {
    return this.writer.name;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Batch writes in flight (each retried until it lands or the sink stops). */
  get writesInFlight(): number {
    return this.writing.size;
  }

  add(item: T, callbacks: ItemCallbacks): void {
    const bytes = this.writer.sizeOf?.(item) ?? 0;
    this.buffer.push({ item, callbacks, bytes });
    this.bufferedBytes += bytes;
    if (this.isFull()) {
      this.kick();
    } else if (this.buffer.length === 1 && this.lingerTimer === undefined) {
      this.lingerTimer = this.clock.setTimer(() => {
        this.lingerTimer = undefined;
        this.lingerExpired = true;
        this.kick();
      }, this.options.lingerMs);
    }
  }

  /** Ends the linger of what is buffered: it is written as soon as a write slot is free. */
  expedite(): void {
    if (this.buffer.length === 0) return;
    this.lingerExpired = true;
    this.kick();
  }

  /** Writes everything buffered now, ignoring linger, and resolves when the buffer is empty. */
  async flush(): Promise<void> {
    while (this.buffer.length > 0 || this.writing.size > 0) {
      // Stopped: nothing more is written, so waiting for an empty buffer would spin forever.
      if (this.signal.aborted && this.writing.size === 0) return;
      // Again each round: items added during a write must not wait for their linger.
      if (this.buffer.length > 0) this.lingerExpired = true;
      this.kick();
      await Promise.race(this.writing);
    }
  }

  private isFull(): boolean {
    return this.buffer.length >= this.options.maxRecords || (this.options.maxBytes > 0 && this.bufferedBytes >= this.options.maxBytes);
  }

  /** Starts writes while a batch is due and a write slot is free. */
  private kick(): void {
    const slots = Math.max(1, this.options.maxConcurrentWrites);
    while (this.writing.size < slots && this.buffer.length > 0 && (this.isFull() || this.lingerExpired) && !this.signal.aborted) {
      const batch = this.takeBatch();
      if (this.buffer.length === 0) {
        this.lingerExpired = false;
        if (this.lingerTimer !== undefined) {
          this.clock.clearTimer(this.lingerTimer);
          this.lingerTimer = undefined;
        }
      }
      const write: Promise<void> = this.writeTimed(batch)
        .catch((error: unknown) => this.onBroken(error))
        .finally(() => {
          this.writing.delete(write);
          this.kick();
        });
      this.writing.add(write);
    }
    // Items that arrived during a write and did not fill a batch wait for their own linger.
    if (this.buffer.length > 0 && this.lingerTimer === undefined && !this.lingerExpired) {
      this.lingerTimer = this.clock.setTimer(() => {
        this.lingerTimer = undefined;
        this.lingerExpired = true;
        this.kick();
      }, this.options.lingerMs);
    }
  }

  private async writeTimed(batch: Entry<T>[]): Promise<void> {
    const started = this.clock.now();
    await this.writeIsolating(batch);
    this.observer.flushed?.(this.writer.name, batch.length, this.clock.now() - started);
  }

  private takeBatch(): Entry<T>[] {
    let count = 0;
    let bytes = 0;
    while (count < this.buffer.length && count < this.options.maxRecords) {
      const next = this.buffer[count]!.bytes;
      if (count > 0 && this.options.maxBytes > 0 && bytes + next > this.options.maxBytes) break;
      bytes += next;
      count++;
    }
    this.bufferedBytes -= bytes;
    return this.buffer.splice(0, count);
  }

  /** Writes a batch, retrying transient failures and bisecting permanent ones. */
  private async writeIsolating(batch: Entry<T>[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.signal.aborted) return; // left unacknowledged: their offsets are never committed
      let outcome: BatchOutcome | void;
      try {
        outcome = await this.writer.write(batch.map((e) => e.item));
      } catch (error) {
        // Called on the writer, not detached from it: an isTransient method may use `this`.
        const transient = this.writer.isTransient ? this.writer.isTransient(error) : defaultIsTransient(error);
        if (transient) {
          this.observer.retrying?.(this.writer.name, attempt + 1, error);
          try {
            await sleep(this.clock, backoffMs(attempt, this.options.retryInitialMs, this.options.retryMaxMs), this.signal);
          } catch {
            return;
          }
          continue;
        }
        if (batch.length === 1) {
          const refused = error instanceof TopologyError ? error : new SinkError(`${this.writer.name}: ${errorMessage(error)}`, false, { cause: error });
          this.observer.isolated?.(this.writer.name, refused);
          batch[0]!.callbacks.refused(refused);
          return;
        }
        const half = Math.ceil(batch.length / 2);
        await this.writeIsolating(batch.slice(0, half));
        await this.writeIsolating(batch.slice(half));
        return;
      }
      batch.forEach((entry, index) => {
        const rejection = outcome?.rejected?.get(index);
        if (rejection) entry.callbacks.refused(rejection);
        else entry.callbacks.written();
      });
      return;
    }
  }

  /** Stops the linger timer; buffered items stay unacknowledged. */
  close(): void {
    if (this.lingerTimer !== undefined) this.clock.clearTimer(this.lingerTimer);
    this.lingerTimer = undefined;
  }
}
