/**
 * A window store of one task: a value per (key, window start), held in memory, backed by a
 * changelog whose key is the record key's bytes followed by the window start as 8 bytes big-endian,
 * so that compaction keeps one entry per key and window.
 *
 * Invariants: as for the key-value store, memory holds exactly what was logged and each mutation is
 * logged in the step that applies it (replaying the changelog rebuilds the store). Expiry removes a
 * window only once start + retention <= stream time, and retention >= size + grace, so a window that
 * can still accept a record is never expired; each expired window is logged as a tombstone so the
 * compacted changelog does not grow with history.
 */
import type { MaybeAsync } from '../processor/maybe-async.js';
import type { Serde } from '../serdes/serde.js';
import { byteKey, byteKeyToBuffer, compareByteKeys } from './byte-key.js';
import type { RestorableStore, StoreContext } from './change-logger.js';
import type { TimeWindow, TimeWindows } from './time-windows.js';
import { KeyBytesMemo, rejection } from './key-bytes-memo.js';

const RESOLVED: Promise<void> = Promise.resolve();

const START_BYTES = 8;

/** The changelog key of a window: the key's bytes, then the window start (unsigned, big-endian). */
export function encodeWindowedKey(key: Buffer, windowStart: number): Buffer {
  const out = Buffer.allocUnsafe(key.length + START_BYTES);
  key.copy(out, 0);
  // Two 32-bit halves rather than a BigInt per change: the start is a safe integer (checked in set()).
  out.writeUInt32BE(Math.floor(windowStart / 2 ** 32), key.length);
  out.writeUInt32BE(windowStart % 2 ** 32, key.length + 4);
  return out;
}

export function decodeWindowedKey(bytes: Buffer): { key: Buffer; windowStart: number } {
  if (bytes.length < START_BYTES) throw new Error(`a windowed changelog key needs at least ${START_BYTES} bytes, got ${bytes.length}`);
  const at = bytes.length - START_BYTES;
  return { key: bytes.subarray(0, at), windowStart: Number(bytes.readBigUInt64BE(at)) };
}

export interface WindowedValue<V> {
  readonly window: TimeWindow;
  readonly value: V;
}

export interface WindowedEntry<K, V> extends WindowedValue<V> {
  readonly key: K;
}

export interface WindowStoreOptions<K, V> {
  readonly name: string;
  readonly changelogTopic: string;
  readonly keySerde: Serde<K>;
  readonly valueSerde: Serde<V>;
  readonly context: StoreContext;
  readonly windows: TimeWindows;
  /** How long after its start a window is kept (for queries after it closed). Default and minimum: size + grace. */
  readonly retentionMs?: number;
}

export class InMemoryWindowStore<K, V> implements RestorableStore {
  readonly name: string;
  readonly retentionMs: number;
  /** Window start → (key bytes → value bytes). */
  private readonly byStart = new Map<number, Map<string, Buffer>>();
  /** The keys of `byStart`, ascending: expiry and emit-on-close walk them from the oldest. */
  private readonly starts: number[] = [];
  private entries = 0;
  private bytes = 0;
  private readonly keys: KeyBytesMemo<K>;

  constructor(private readonly options: WindowStoreOptions<K, V>) {
    this.name = options.name;
    this.keys = new KeyBytesMemo(options.name, options.keySerde, options.changelogTopic, options.context.sharedKeyBytes?.(options.keySerde));
    const minimum = options.windows.sizeMs + options.windows.graceMs;
    this.retentionMs = options.retentionMs ?? minimum;
    if (!Number.isSafeInteger(this.retentionMs) || this.retentionMs < minimum) {
      throw new RangeError(`window store ${options.name}: retention must be at least size + grace (${minimum} ms); got ${String(options.retentionMs)}`);
    }
  }

  // get and put are not async functions: with synchronous serdes (the usual case) a call costs one
  // settled promise, not an async function's machinery and a promise per await inside it.
  put(key: K, windowStart: number, value: V): Promise<void> {
    try {
      return this.putNow(key, windowStart, value) ?? RESOLVED;
    } catch (err) {
      return rejection(err);
    }
  }

  async delete(key: K, windowStart: number): Promise<boolean> {
    return this.remove(await this.keys.bytesOf(key), windowStart);
  }

  get(key: K, windowStart: number): Promise<V | undefined> {
    try {
      return Promise.resolve(this.getNow(key, windowStart));
    } catch (err) {
      return rejection(err);
    }
  }

  /** get, answering at once when the serdes do (a promise only when one answers with a promise), and throwing rather than rejecting. */
  getNow(key: K, windowStart: number): MaybeAsync<V | undefined> {
    const k = this.keys.bytesOf(key);
    return k instanceof Promise ? k.then((bytes) => this.valueAt(byteKey(bytes), windowStart)) : this.valueAt(this.keys.byteKeyOf(k), windowStart);
  }

  /** put, done at once when the serdes answer at once (a promise only when one answers with a promise), and throwing rather than rejecting. */
  putNow(key: K, windowStart: number, value: V): MaybeAsync<void> {
    const k = this.keys.bytesOf(key);
    const v = this.options.valueSerde.serialize(value, this.options.changelogTopic);
    if (k instanceof Promise || v instanceof Promise) return Promise.all([k, v]).then(([kb, vb]) => this.apply(kb, byteKey(kb), windowStart, vb));
    this.apply(k, this.keys.byteKeyOf(k), windowStart, v);
  }

  /** The key's windows whose start lies in [fromStart, toStart], oldest first. */
  async fetch(key: K, fromStart: number, toStart: number): Promise<WindowedValue<V>[]> {
    const k = byteKey(await this.keys.bytesOf(key));
    const out: WindowedValue<V>[] = [];
    for (let i = this.firstIndexAtOrAfter(fromStart); i < this.starts.length && this.starts[i]! <= toStart; i++) {
      const start = this.starts[i]!;
      const value = this.byStart.get(start)!.get(k);
      if (value !== undefined) out.push({ window: this.window(start), value: await this.deserialize(value) });
    }
    return out;
  }

  /**
   * Windows that closed in (afterStreamTime, streamTime]: what emit-on-close sends when stream time
   * moves from `afterStreamTime` to `streamTime`. Oldest close first, then key byte order. Read-only:
   * the caller decides whether to delete them after emitting.
   */
  closedWindows(streamTime: number, afterStreamTime = Number.NEGATIVE_INFINITY): Promise<WindowedEntry<K, V>[]> {
    if (!this.anyClosed(streamTime)) return Promise.resolve([]);
    return this.collectClosed(streamTime, afterStreamTime);
  }

  /**
   * Whether any window held is closed at `streamTime` (closedWindows would find one): asked after
   * every record that moves stream time, and most times not even the oldest window closed.
   */
  anyClosed(streamTime: number): boolean {
    const oldest = this.starts[0];
    return oldest !== undefined && oldest + this.options.windows.sizeMs + this.options.windows.graceMs <= streamTime;
  }

  private async collectClosed(streamTime: number, afterStreamTime: number): Promise<WindowedEntry<K, V>[]> {
    const { sizeMs, graceMs } = this.options.windows;
    const out: WindowedEntry<K, V>[] = [];
    for (const start of this.starts) {
      const close = start + sizeMs + graceMs;
      if (close > streamTime) break;
      if (close <= afterStreamTime) continue;
      const byKey = this.byStart.get(start)!;
      for (const k of [...byKey.keys()].sort(compareByteKeys)) {
        out.push({
          key: await this.options.keySerde.deserialize(byteKeyToBuffer(k), this.options.changelogTopic),
          window: this.window(start),
          value: await this.deserialize(byKey.get(k)!),
        });
      }
    }
    return out;
  }

  /** Drops the windows past retention at `streamTime`, logging a tombstone for each. Returns how many. */
  expire(streamTime: number): number {
    let expired = 0;
    while (this.starts.length > 0 && this.starts[0]! + this.retentionMs <= streamTime) {
      const start = this.starts.shift()!;
      const byKey = this.byStart.get(start)!;
      this.byStart.delete(start);
      for (const [k, value] of byKey) {
        this.entries--;
        this.bytes -= k.length + START_BYTES + value.length;
        this.log(byteKeyToBuffer(k), start, null);
        expired++;
      }
    }
    return expired;
  }

  /** The start of the newest window held, if any: a lower bound of the stream time that made it. */
  latestWindowStart(): number | undefined {
    return this.starts[this.starts.length - 1];
  }

  get approximateNumEntries(): number {
    return this.entries;
  }

  get approximateBytes(): number {
    return this.bytes;
  }

  restore(key: Buffer, value: Buffer | null): void {
    const { key: k, windowStart } = decodeWindowedKey(key);
    if (value === null) this.drop(byteKey(k), windowStart);
    else this.set(byteKey(k), windowStart, value);
  }

  clear(): void {
    this.byStart.clear();
    this.starts.length = 0;
    this.entries = 0;
    this.bytes = 0;
  }

  private window(start: number): TimeWindow {
    return { start, end: this.options.windows.windowEnd(start) };
  }

  private deserialize(value: Buffer): V | Promise<V> {
    return this.options.valueSerde.deserialize(value, this.options.changelogTopic);
  }

  private valueAt(k: string, windowStart: number): MaybeAsync<V | undefined> {
    const value = this.byStart.get(windowStart)?.get(k);
    return value === undefined ? undefined : this.deserialize(value);
  }

  /** From here on nothing awaits: memory and changelog change together, in the same order. */
  private apply(k: Buffer, key: string, windowStart: number, v: Buffer | null): void {
    if (v === null) {
      this.remove(k, windowStart);
    } else {
      this.set(key, windowStart, v);
      this.log(k, windowStart, v);
    }
  }

  private log(key: Buffer, windowStart: number, value: Buffer | null): void {
    this.options.context.changeLogger.logChange(encodeWindowedKey(key, windowStart), value, this.options.context.recordTimestamp());
  }

  private remove(key: Buffer, windowStart: number): boolean {
    if (!this.drop(byteKey(key), windowStart)) return false;
    this.log(key, windowStart, null);
    return true;
  }

  private set(k: string, start: number, value: Buffer): void {
    if (!Number.isSafeInteger(start) || start < 0)
      throw new RangeError(`store ${this.name}: a window start must be a whole number of milliseconds, 0 or more; got ${start}`);
    let byKey = this.byStart.get(start);
    if (!byKey) {
      byKey = new Map();
      this.byStart.set(start, byKey);
      this.starts.splice(this.firstIndexAtOrAfter(start), 0, start);
    }
    const old = byKey.get(k);
    if (old === undefined) {
      this.entries++;
      this.bytes += k.length + START_BYTES + value.length;
    } else {
      this.bytes += value.length - old.length;
    }
    byKey.set(k, value);
  }

  private drop(k: string, start: number): boolean {
    const byKey = this.byStart.get(start);
    const old = byKey?.get(k);
    if (!byKey || old === undefined) return false;
    byKey.delete(k);
    this.entries--;
    this.bytes -= k.length + START_BYTES + old.length;
    if (byKey.size === 0) {
      this.byStart.delete(start);
      this.starts.splice(this.firstIndexAtOrAfter(start), 1);
    }
    return true;
  }

  /** Binary search in `starts`. */
  private firstIndexAtOrAfter(start: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
