/**
 * Phase 1: fills `temperature-readings` with the backlog. Everything is encoded before the clock
 * starts; then big sendBatch calls (a few in flight, acks from all in-sync replicas, no compression)
 * so the load is bounded by the broker, not by encoding.
 */
import { CompressionTypes, Partitioners, type Message } from 'kafkajs';
import { TOPICS } from '../schemas/index.js';
import { backlogReading, expectedCounts, readingEncoder, type ExpectedCounts } from './data.js';
import { topicSize, type BenchContext } from './context.js';

export interface LoadResult {
  readonly records: number;
  readonly encodeSeconds: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly expected: ExpectedCounts;
}

const CHUNK = 20_000;
const IN_FLIGHT = 4;

export async function loadBacklog(ctx: BenchContext, records: number, log: (line: string) => void): Promise<LoadResult> {
  const limits = { minTemp: ctx.defaults.minTemp, maxTemp: ctx.defaults.maxTemp };
  const encode = readingEncoder(ctx.readingSchemaId);
  const keys = new Map<string, Buffer>();
  const encodeStart = performance.now();
  const messages: Message[] = new Array<Message>(records);
  for (let i = 0; i < records; i++) {
    const { reading } = backlogReading(i, limits);
    let key = keys.get(reading.deviceId);
    if (!key) keys.set(reading.deviceId, (key = Buffer.from(reading.deviceId)));
    messages[i] = { key, value: encode(reading) };
  }
  const encodeSeconds = (performance.now() - encodeStart) / 1000;
  const expected = expectedCounts(records);

  const before = await topicSize(ctx.admin, TOPICS.readings);
  // The default partitioner (murmur2 of the key), stated so KafkaJS does not warn about its v2 change.
  const producer = ctx.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const started = performance.now();
  try {
    let next = 0;
    const worker = async () => {
      while (next < records) {
        const from = next;
        next = Math.min(records, next + CHUNK);
        await producer.sendBatch({
          acks: -1,
          compression: CompressionTypes.None,
          topicMessages: [{ topic: TOPICS.readings, messages: messages.slice(from, next) }],
        });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  } finally {
    await producer.disconnect();
  }
  const seconds = (performance.now() - started) / 1000;
  const loaded = (await topicSize(ctx.admin, TOPICS.readings)) - before;
  if (loaded !== records) throw new Error(`loaded ${loaded} records, expected ${records}`);
  const perSecond = records / seconds;
  log(
    `load: ${records} readings encoded in ${encodeSeconds.toFixed(1)} s, produced in ${seconds.toFixed(1)} s = ${Math.round(perSecond)}/s; expect ${expected.rows} rows, ${expected.alerts} alerts, ${expected.dlq} DLQ`,
  );
  return { records, encodeSeconds, seconds, perSecond, expected };
}
