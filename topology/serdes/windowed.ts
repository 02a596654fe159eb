import { DeserializationError } from '../errors.js';
import type { Serde } from './serde.js';

/** The key of a windowed aggregation's result: the record key and the window, [start, end) in epoch milliseconds. */
export interface Windowed<K> {
  readonly key: K;
  readonly window: { readonly start: number; readonly end: number };
}

const START_BYTES = 8;

/**
 * Kafka Streams' time-windowed key format (`WindowedSerdes.timeWindowedSerdeFrom`): the inner key's
 * bytes, then the window start as 8 bytes big-endian; the end is start + `windowSizeMs`, which the
 * format does not carry. So a Java consumer reads what a `to()` of a windowed table writes.
 */
export function timeWindowedSerde<K>(inner: Serde<K>, windowSizeMs: number): Serde<Windowed<K>> {
  if (!Number.isSafeInteger(windowSizeMs) || windowSizeMs < 1) throw new RangeError(`timeWindowedSerde: windowSizeMs must be a whole number, 1 or more`);
  const name = `windowed<${inner.name}>`;
  return {
    name,
    async serialize(value: Windowed<K>, topic: string): Promise<Buffer> {
      const key = (await inner.serialize(value.key, topic)) ?? Buffer.alloc(0);
      const out = Buffer.allocUnsafe(key.length + START_BYTES);
      key.copy(out, 0);
      out.writeBigUInt64BE(BigInt(value.window.start), key.length);
      return out;
    },
    async deserialize(bytes: Buffer | null, topic: string): Promise<Windowed<K>> {
      if (bytes === null || bytes.length < START_BYTES) throw new DeserializationError(`${name}: a windowed key needs at least ${START_BYTES} bytes`);
      const at = bytes.length - START_BYTES;
      const start = Number(bytes.readBigUInt64BE(at));
      return { key: await inner.deserialize(bytes.subarray(0, at), topic), window: { start, end: start + windowSizeMs } };
    },
  };
}
