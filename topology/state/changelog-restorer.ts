/**
 * Rebuilds a task's store from its changelog partition when the partition is assigned, before any
 * of the partition's records is processed. It reads from the log start up to the end offset taken
 * when the restore begins (later entries can only come from this task itself, once it runs) and
 * applies each entry without logging it again. A revoke (the AbortSignal) stops it at the next chunk.
 * A store restores from empty and is left empty unless the restore completes: half a state is never
 * shown to the processor.
 */
import { sleep, systemClock, type Clock } from '../runtime/clock.js';
import type { HeaderMap } from '../records.js';
import type { RestorableStore } from './change-logger.js';

export interface ChangelogEntry {
  readonly offset: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The runtime's headers on the entry (which input record made the change). */
  readonly headers?: HeaderMap;
  /** The entry's timestamp: the stream time of the change. */
  readonly timestamp?: number;
}

/** What one read returned: its entries, and where the next read begins (past records the reader skipped). */
export interface ChangelogChunk {
  readonly entries: readonly ChangelogEntry[];
  /**
   * The next offset to read. It can pass the last entry's offset + 1: transaction markers, aborted
   * records and compacted-away offsets yield no entry, yet the restore must see it got past them.
   */
  readonly nextOffset: bigint;
}

/** Where changelog partitions are read from: Kafka (kafka-changelog-source.ts) or memory in tests. */
export interface ChangelogSource {
  /**
   * The log start and end of a partition. `end` is one past the last readable entry; under
   * exactly-once it must be what a read_committed reader can reach (the last stable offset), or the
   * restore waits for open transactions to be decided.
   */
  offsetRange(topic: string, partition: number): Promise<{ start: bigint; end: bigint }>;
  /** Reads from `fromOffset` on, in offset order, until the consumer stops iterating or `signal` aborts. */
  read(topic: string, partition: number, fromOffset: bigint, signal: AbortSignal): AsyncIterable<ChangelogChunk>;
}

export interface RestoreProgress {
  readonly store: string;
  readonly topic: string;
  readonly partition: number;
  /** Changelog entries applied so far. */
  readonly entries: number;
  /** The next offset to read. */
  readonly position: bigint;
  /** The end offset the restore reads up to. */
  readonly end: bigint;
  readonly elapsedMs: number;
}

export interface RestoreResult extends RestoreProgress {
  /** False when revoked first: the store was cleared and the partition must not be processed. */
  readonly completed: boolean;
  /** Entries without a key, which no store could have written, ignored. */
  readonly skipped: number;
}

export interface RestoreRequest {
  readonly store: RestorableStore;
  readonly topic: string;
  readonly partition: number;
  /** Aborted on revoke. */
  readonly signal: AbortSignal;
  readonly onProgress?: (progress: RestoreProgress) => void;
  /** Sees each entry applied, in offset order (the runtime reads its headers). */
  readonly onEntry?: (entry: ChangelogEntry) => void;
}

/**
 * A source's read broke in a way that a new read mends (its client crashed and would restart
 * itself): the restore reads again from where it got to instead of failing its task.
 */
export class ChangelogReadInterrupted extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChangelogReadInterrupted';
  }
}

/** Reads of one restore that may be interrupted in a row before it fails; each waits a little longer first. */
const READ_ATTEMPTS = 5;
const READ_AGAIN_AFTER_MS = 200;

export class ChangelogRestorer {
  constructor(
    private readonly source: ChangelogSource,
    private readonly clock: Clock = systemClock,
  ) {}

  async restore(request: RestoreRequest): Promise<RestoreResult> {
    const { store, topic, partition, signal } = request;
    const began = this.clock.now();
    store.clear();
    let entries = 0;
    let skipped = 0;
    let position = 0n;
    let end = 0n;
    const progress = (): RestoreProgress => ({ store: store.name, topic, partition, entries, position, end, elapsedMs: this.clock.now() - began });
    const finish = (completed: boolean): RestoreResult => {
      if (!completed) store.clear();
      return { ...progress(), completed, skipped };
    };
    try {
      if (signal.aborted) return finish(false);
      ({ start: position, end } = await this.source.offsetRange(topic, partition));
      if (position >= end) return finish(!signal.aborted);
      for (let attempt = 1; ; attempt++) {
        try {
          for await (const chunk of this.source.read(topic, partition, position, signal)) {
            if (signal.aborted) break;
            for (const entry of chunk.entries) {
              if (entry.offset >= end) break;
              // Applied before an interrupted read: applying it again would undo later entries.
              if (entry.offset < position) continue;
              if (entry.key === null) skipped++;
              else {
                store.restore(entry.key, entry.value);
                request.onEntry?.(entry);
                entries++;
              }
            }
            const last = chunk.entries[chunk.entries.length - 1];
            position = [position, chunk.nextOffset, last ? last.offset + 1n : 0n].reduce((a, b) => (b > a ? b : a));
            request.onProgress?.(progress());
            if (position >= end) break;
          }
          break;
        } catch (err) {
          if (!(err instanceof ChangelogReadInterrupted) || signal.aborted || attempt >= READ_ATTEMPTS) throw err;
          await sleep(this.clock, READ_AGAIN_AFTER_MS * attempt, signal).catch(() => undefined);
          if (signal.aborted) break;
        }
      }
    } catch (err) {
      store.clear();
      throw err;
    }
    if (signal.aborted) return finish(false);
    if (position < end) {
      store.clear();
      throw new Error(`restoring store ${store.name}: changelog ${topic}[${partition}] stopped at offset ${position}, before its end ${end}`);
    }
    return finish(true);
  }
}
