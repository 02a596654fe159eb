/**
 * A serde turns values into bytes and back. Either side may be asynchronous (a registry lookup), so
 * callers always `await`; implementations should return plain values on their fast path.
 */
export interface Serializer<T> {
  readonly name: string;
  serialize(value: T, topic: string): Buffer | null | Promise<Buffer | null>;
  /**
   * True when the bytes depend on the value alone, never on the topic: the stores of a task keyed with
   * this serializer then serialize a key once for all of them (a record usually reads the same key in
   * each). A serializer must not change the bytes it returned: several stores may hold them.
   */
  readonly topicIndependent?: boolean;
}

export interface Deserializer<T> {
  readonly name: string;
  deserialize(bytes: Buffer | null, topic: string): T | Promise<T>;
}

/** A deserializer that can tell which registered schema a payload was written with, for DLQ headers. */
export interface SchemaAwareDeserializer<T> extends Deserializer<T> {
  schemaIdOf?(bytes: Buffer | null): number | undefined;
}

export interface Serde<T> extends Serializer<T>, Deserializer<T> {}
