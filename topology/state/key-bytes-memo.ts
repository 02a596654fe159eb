/**
 * A store's key serializer with a memory of one: a processor usually reads a key and then writes it
 * (get, then put), so the second call reuses the first's bytes and their byte-key string instead of
 * serializing again. Only primitive keys are remembered: an object key could be mutated in between,
 * and a primitive that is equal serializes to equal bytes (a serde is a function of its input).
 */
import type { Serde } from '../serdes/serde.js';
import { byteKey } from './byte-key.js';

type Primitive = string | number | bigint | boolean;

const isPrimitive = (key: unknown): key is Primitive => {
  const t = typeof key;
  return t === 'string' || t === 'number' || t === 'bigint' || t === 'boolean';
};

export class KeyBytesMemo<K> {
  private lastKey: Primitive | undefined;
  private lastBytes: Buffer | undefined;
  private lastByteKey: string | undefined;

  constructor(
    private readonly storeName: string,
    private readonly serde: Serde<K>,
    private readonly topic: string,
  ) {}

  /** The key's bytes; a promise only when the serde answers with one. Throws (or rejects) when the key serializes to null. */
  bytesOf(key: K): Buffer | Promise<Buffer> {
    if (this.lastBytes !== undefined && key === this.lastKey) return this.lastBytes;
    const bytes = this.serde.serialize(key, this.topic);
    if (bytes instanceof Promise) return bytes.then((b) => this.checked(b));
    const checked = this.checked(bytes);
    if (isPrimitive(key)) {
      this.lastKey = key;
      this.lastBytes = checked;
      this.lastByteKey = undefined;
    }
    return checked;
  }

  /** byteKey(bytes), computed once for the remembered key's bytes. */
  byteKeyOf(bytes: Buffer): string {
    if (bytes !== this.lastBytes) return byteKey(bytes);
    return (this.lastByteKey ??= byteKey(bytes));
  }

  private checked(bytes: Buffer | null): Buffer {
    if (bytes === null) throw new Error(`store ${this.storeName}: a key must serialize to bytes, got null`);
    return bytes;
  }
}

/** What a store call threw, as its rejected promise: a store reports every failure through the promise it returns. */
// eslint-disable-next-line @typescript-eslint/require-await -- async only to turn the throw into a rejection
export async function rejection(thrown: unknown): Promise<never> {
  throw thrown;
}
