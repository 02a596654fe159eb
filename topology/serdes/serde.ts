/**
 * A serde turns values into bytes and back. Either side may be asynchronous (a registry lookup), so
 * callers always `await`; implementations should return plain values on their fast path.
 */
export interface Serializer<T> {
  readonly name: string;
  serialize(value: T, topic: string): Buffer | null | Promise<Buffer | null>;
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
