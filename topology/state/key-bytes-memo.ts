/**
 * A store's key serializer with a memory of one: a processor usually reads a key and then writes it
 * (get, then put), so the second call reuses the first's bytes and their byte-key string instead of
 * serializing again. Only primitive keys are remembered: an object key could be mutated in between,
 * and a primitive that is equal serializes to equal bytes (a serde is a function of its input).
 * The stores of one task keyed by the same topic-independent serializer share one memory
 * (`LastKeyBytes`): a record that reads the same key in three stores serializes it once.
 */
import type { Serde, Serializer } from '../serdes/serde.js';
import { byteKey } from './byte-key.js';

type Primitive = string | number | bigint | boolean;

const isPrimitive = (key: unknown): key is Primitive => {
  const t = typeof key;
  return t === 'string' || t === 'number' || t === 'bigint' || t === 'boolean';
};

/** The last primitive key serialized, its bytes, and (once asked for) their byte-key string. */
export class LastKeyBytes {
  key: Primitive | undefined;
  bytes: Buffer | undefined;
  byteKey: string | undefined;
}

/** Gives the stores of one task the memory to share for a serializer, when it is topic-independent. */
export type SharedKeyBytes = (serializer: Serializer<never>) => LastKeyBytes | undefined;

/** Per serializer, one memory; none for a serializer whose bytes may depend on the topic. */
export function sharedKeyBytes(): SharedKeyBytes {
  const bySerializer = new Map<Serializer<never>, LastKeyBytes>();
  return (serializer) => {
    if (serializer.topicIndependent !== true) return undefined;
    let last = bySerializer.get(serializer);
    if (!last) bySerializer.set(serializer, (last = new LastKeyBytes()));
    return last;
  };
}

export class KeyBytesMemo<K> {
  constructor(
    private readonly storeName: string,
    private readonly serde: Serde<K>,
    private readonly topic: string,
    private readonly last: LastKeyBytes = new LastKeyBytes(),
  ) {}

  /** The key's bytes; a promise only when the serde answers with one. Throws (or rejects) when the key serializes to null. */
  bytesOf(key: K): Buffer | Promise<Buffer> {
    const last = this.last;
    if (last.bytes !== undefined && key === last.key) return last.bytes;
    const bytes = this.serde.serialize(key, this.topic);
    if (bytes instanceof Promise) return bytes.then((b) => this.checked(b));
    const checked = this.checked(bytes);
    if (isPrimitive(key)) {
      last.key = key;
      last.bytes = checked;
      last.byteKey = undefined;
    }
    return checked;
  }

  /** byteKey(bytes), computed once for the remembered key's bytes. */
  byteKeyOf(bytes: Buffer): string {
    const last = this.last;
    if (bytes !== last.bytes) return byteKey(bytes);
    return (last.byteKey ??= byteKey(bytes));
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
