import type { KafkaMessage } from 'kafkajs';
import type { RawRecord } from '../records.js';

/** A KafkaJS message as the engine takes it: headers as single Buffers (the first of a repeated one). */
export function toRawRecord(topic: string, partition: number, m: KafkaMessage): RawRecord {
  const headers: Record<string, Buffer> = {};
  // for-in rather than Object.entries: most records have no headers, and this runs for every record.
  for (const name in m.headers) {
    const value = m.headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name] = Buffer.isBuffer(first) ? first : Buffer.from(first);
  }
  return { topic, partition, offset: m.offset, key: m.key, value: m.value, headers, timestamp: Number(m.timestamp) };
}
