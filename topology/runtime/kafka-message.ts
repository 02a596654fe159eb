import type { KafkaMessage } from 'kafkajs';
import type { HeaderMap, RawRecord } from '../records.js';

/** A KafkaJS message as the engine takes it: headers as single Buffers (the first of a repeated one). */
export function toRawRecord(topic: string, partition: number, m: KafkaMessage): RawRecord {
  let headers: Record<string, Buffer> | undefined;
  // for-in rather than Object.entries: most records have no headers, and this runs for every record.
  for (const name in m.headers) {
    const value = m.headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) (headers ??= {})[name] = Buffer.isBuffer(first) ? first : Buffer.from(first);
  }
  return { topic, partition, offset: m.offset, key: m.key, value: m.value, headers: headers ?? NO_HEADERS, timestamp: Number(m.timestamp) };
}

/** Shared by every record without headers: a header map is read-only (HeaderMap), so one empty one serves all. */
const NO_HEADERS: HeaderMap = Object.freeze({});
