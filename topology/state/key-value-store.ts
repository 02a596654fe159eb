/**
 * A key-value store of one task (one input partition), held in memory and backed by a changelog.
 *
 * Invariant: the memory holds exactly the serialized bytes that were logged, and every mutation is
 * logged in the synchronous step that applies it; so replaying the logged changes through
 * `restore()` into an empty store gives a store equal to this one. Values are kept as bytes (not as
 * objects) so that a caller mutating an object after `put` cannot make memory and changelog differ,
 * and so that a restore needs no deserialization.
 */
import type { MaybeAsync } from '../processor/maybe-async.js';
import type { Serde } from '../serdes/serde.js';
import { byteKey, byteKeyToBuffer, compareByteKeys } from './byte-key.js';
import { KeyBytesMemo, rejection } from './key-bytes-memo.js';
import type { RestorableStore, StoreContext } from './change-logger.js';

export interface StoreEntry<K, V> {
  readonly key: K;
  readonly value: V;
}

/** What a processor, and later an interactive query, may read. */
export interface ReadOnlyKeyValueStore<K, V> {
  readonly name: string;
  get(key: K): Promise<V | undefined>;
  /** Every entry, in the unsigned byte order of the serialized keys. */
  all(): Promise<StoreEntry<K, V>[]>;
  /** Entries whose serialized key lies in [from, to] (both inclusive), in key byte order. */
  range(from: K, to: K): Promise<StoreEntry<K, V>[]>;
  readonly approximateNumEntries: number;
  /** Bytes held by keys and values (not the JavaScript overhead). */
  readonly approximateBytes: number;
}

export interface KeyValueStore<K, V> extends ReadOnlyKeyValueStore<K, V> {
  /** A value that serializes to null is a delete. */
  put(key: K, value: V): Promise<void>;
  /** Returns whether the key was there. Deleting a missing key logs nothing. */
  delete(key: K): Promise<boolean>;
  /**
   * get, put and delete answering at once when the serdes do (a promise only when one of them answers
   * with a promise), and throwing rather than rejecting: for a processor that runs a record without a
   * promise when it can (`andThen`). The same reads and the same changes, logged the same way.
   */
  getNow(key: K): MaybeAsync<V | undefined>;
  putNow(key: K, value: V): MaybeAsync<void>;
  deleteNow(key: K): MaybeAsync<boolean>;
}

export interface KeyValueStoreOptions<K, V> {
  readonly name: string;
  /** Serdes see this topic name (a registry serde derives its subject from it). */
  readonly changelogTopic: string;
  readonly keySerde: Serde<K>;
  readonly valueSerde: Serde<V>;
  readonly context: StoreContext;
}

export class InMemoryKeyValueStore<K, V> implements KeyValueStore<K, V>, RestorableStore {
  readonly name: string;
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;
  private readonly keys: KeyBytesMemo<K>;

  constructor(private readonly options: KeyValueStoreOptions<K, V>) {
    this.name = options.name;
    this.keys = new KeyBytesMemo(options.name, options.keySerde, options.changelogTopic, options.context.sharedKeyBytes?.(options.keySerde));
  }

  // get and put are not async functions: with synchronous serdes (the usual case) a call costs one
  // settled promise, not an async function's machinery and a promise per await inside it.
  get(key: K): Promise<V | undefined> {
    try {
      return Promise.resolve(this.getNow(key));
    } catch (err) {
      return rejection(err);
    }
  }

  put(key: K, value: V): Promise<void> {
    try {
      return this.putNow(key, value) ?? RESOLVED;
    } catch (err) {
      return rejection(err);
    }
  }

  async delete(key: K): Promise<boolean> {
    return this.deleteNow(key);
  }

  getNow(key: K): MaybeAsync<V | undefined> {
    const k = this.keys.bytesOf(key);
    return k instanceof Promise ? k.then((bytes) => this.valueAt(byteKey(bytes))) : this.valueAt(this.keys.byteKeyOf(k));
  }

  putNow(key: K, value: V): MaybeAsync<void> {
    const k = this.keys.bytesOf(key);
    const v = this.options.valueSerde.serialize(value, this.options.changelogTopic);
    if (k instanceof Promise || v instanceof Promise) return Promise.all([k, v]).then(([kb, vb]) => this.apply(kb, byteKey(kb), vb));
    this.apply(k, this.keys.byteKeyOf(k), v);
  }

  deleteNow(key: K): MaybeAsync<boolean> {
    const k = this.keys.bytesOf(key);
    return k instanceof Promise ? k.then((bytes) => this.remove(bytes)) : this.remove(k);
  }

  async all(): Promise<StoreEntry<K, V>[]> {
    return this.decode([...this.entries.keys()].sort(compareByteKeys));
  }

  async range(from: K, to: K): Promise<StoreEntry<K, V>[]> {
    const lo = byteKey(await this.keys.bytesOf(from));
    const hi = byteKey(await this.keys.bytesOf(to));
    // A sort per call: cheap for the stores a task holds in memory, and no index to keep on every put.
    return this.decode([...this.entries.keys()].filter((k) => k >= lo && k <= hi).sort(compareByteKeys));
  }

  get approximateNumEntries(): number {
    return this.entries.size;
  }

  get approximateBytes(): number {
    return this.bytes;
  }

  restore(key: Buffer, value: Buffer | null): void {
    if (value === null) this.drop(byteKey(key));
    else this.store(byteKey(key), value);
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private valueAt(k: string): MaybeAsync<V | undefined> {
    const value = this.entries.get(k);
    return value === undefined ? undefined : this.options.valueSerde.deserialize(value, this.options.changelogTopic);
  }

  /** From here on nothing awaits: memory and changelog change together, in the same order. */
  private apply(k: Buffer, key: string, v: Buffer | null): void {
    if (v === null) {
      this.remove(k);
    } else {
      this.store(key, v);
      this.options.context.changeLogger.logChange(k, v, this.options.context.recordTimestamp());
    }
  }

  private remove(key: Buffer): boolean {
    if (!this.drop(byteKey(key))) return false;
    this.options.context.changeLogger.logChange(key, null, this.options.context.recordTimestamp());
    return true;
  }

  private store(k: string, value: Buffer): void {
    const old = this.entries.get(k);
    this.bytes += value.length - (old === undefined ? -k.length : old.length);
    this.entries.set(k, value);
  }

  private drop(k: string): boolean {
    const old = this.entries.get(k);
    if (old === undefined) return false;
    this.bytes -= k.length + old.length;
    this.entries.delete(k);
    return true;
  }

  private async decode(keys: string[]): Promise<StoreEntry<K, V>[]> {
    const topic = this.options.changelogTopic;
    const out: StoreEntry<K, V>[] = [];
    for (const k of keys) {
      const value = this.entries.get(k)!;
      out.push({ key: await this.options.keySerde.deserialize(byteKeyToBuffer(k), topic), value: await this.options.valueSerde.deserialize(value, topic) });
    }
    return out;
  }
}

const RESOLVED: Promise<void> = Promise.resolve();
