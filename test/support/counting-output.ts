/**
 * Reads what the counting topology (counting-topology.ts) sent: every count per key, as a
 * read_committed consumer sees them. The stateful crash and rebalance tests judge these counts.
 */
import type { Kafka } from 'kafkajs';
import { uniqueName } from './names.js';

/** One count as sent: its key, the count, the instance that sent it (when labelled), and its offset in the output topic. */
export interface SentCount {
  readonly key: string;
  readonly count: number;
  readonly label: string | undefined;
  readonly offset: string;
}

export interface ReadCountsOptions {
  readonly outTopic: string;
  /** The reader's group, made unique here: each read starts from the beginning. */
  readonly readerGroup: string;
  /** Each key's number of records: reading ends once every key's final count arrived. */
  readonly expected: ReadonlyMap<string, number>;
  readonly timeoutMs: number;
  /** Told of each count as it is read (to record who sent what). */
  readonly onCount?: (sent: SentCount) => void;
}

/** How long reading goes on after the final counts: a count still on its way beyond the final one would be a double application. */
const STRAGGLERS_MS = 3000;

/** Every count sent per key, in the order read, once the last count of every key arrived. */
export async function readCounts(kafka: Kafka, options: ReadCountsOptions): Promise<Map<string, number[]>> {
  const { outTopic, expected, timeoutMs, onCount } = options;
  const counts = new Map<string, number[]>();
  const consumer = kafka.consumer({ groupId: uniqueName(options.readerGroup), readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: outTopic, fromBeginning: true });
  const complete = () => [...expected].every(([key, n]) => (counts.get(key) ?? []).includes(n));
  const missing = () =>
    [...expected]
      .filter(([key, n]) => !(counts.get(key) ?? []).includes(n))
      .map(([key, n]) => `${key}: max ${Math.max(0, ...(counts.get(key) ?? []))} of ${n}`)
      .join(', ');
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the final counts did not all arrive in ${timeoutMs / 1000} s: ${missing()}`)), timeoutMs);
      void consumer.run({
        eachMessage: ({ message }) => {
          const key = message.key!.toString();
          const [count, label] = message.value!.toString().split('@');
          counts.set(key, [...(counts.get(key) ?? []), Number(count)]);
          onCount?.({ key, count: Number(count), label, offset: message.offset });
          if (complete()) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
    await new Promise((r) => setTimeout(r, STRAGGLERS_MS));
  } finally {
    await consumer.disconnect();
  }
  return counts;
}
