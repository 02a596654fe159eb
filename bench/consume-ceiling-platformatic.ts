/**
 * The consume ceiling with @platformatic/kafka instead of KafkaJS (issue 15: does KafkaJS's fetch
 * decoding bound the process?). The same job as runConsumeCeiling: a fresh group, from the beginning,
 * every record of the readings topic decoded by the topology's Avro registry serde, no sink; the
 * same fetch sizes. Only the client differs. Two ways to use it:
 * - its message stream, the API it documents, with raw Buffer deserializers (it decodes no value);
 * - its fetch API alone, after joining the group: no stream and no message object per record, the
 *   least this client can decode (it still parses every record of a batch: key, value, headers).
 * The runtime keeps KafkaJS: this only measures.
 */
import { Consumer, ListOffsetTimestamps, MessagesStreamFallbackModes, MessagesStreamModes } from '@platformatic/kafka';
import { TOPICS } from '../schemas/index.js';
import { consumeCeilingResult, readingSerde, type Throughput } from './baselines.js';
import { endOffsets, sleep, sumOffsets, type BenchContext } from './context.js';
import { eachFetchedValue } from './platformatic-fetch-values.js';
import { processCpuSpan } from './process-cpu.js';

export const PLATFORMATIC_CEILING_NAME = 'consume ceiling, @platformatic/kafka';

/** KafkaJS's consumer defaults, which the KafkaJS ceiling runs with (this client's own default per partition is 10 MB). */
const FETCH_SIZES = { minBytes: 1, maxBytes: 10_485_760, maxBytesPerPartition: 1_048_576, maxWaitTime: 5_000 } as const;

const raw = (data?: Buffer): Buffer | undefined => data;
const RAW_DESERIALIZERS = { key: raw, value: raw, headerKey: raw, headerValue: raw };

export type PlatformaticWay = 'stream' | 'fetch';

const WAYS: Record<PlatformaticWay, { label: string; note: string }> = {
  stream: {
    label: 'message stream',
    note: "@platformatic/kafka consume() stream ('data' events, raw Buffer deserializers) + the same Avro decode, no sink, from the consumer's creation",
  },
  fetch: {
    label: 'raw fetch',
    note: "@platformatic/kafka joinGroup() + fetch() loop (no stream, no message objects) + the same Avro decode, no sink, from the consumer's creation",
  },
};

export async function runPlatformaticConsumeCeiling(ctx: BenchContext, way: PlatformaticWay, log: (line: string) => void): Promise<Throughput> {
  const ends = await endOffsets(ctx.admin, TOPICS.readings);
  const records = sumOffsets(ends);
  const serde = readingSerde(ctx);
  let decoded = 0;
  let finish!: () => void;
  let fail!: (err: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
  const started = performance.now();
  const cpu = processCpuSpan();
  let endedAt = started;
  let cpuMicrosPerRecord = NaN;
  /** Decodes one value; a first record of a schema id waits for the registry, the rest decode at once. */
  const decode = (value: Buffer | null | undefined): void => {
    const pending = serde.deserialize(value ?? null, TOPICS.readings);
    if (pending instanceof Promise) pending.then(counted, fail);
    else counted();
  };
  const counted = (): void => {
    if (++decoded !== records) return;
    endedAt = performance.now();
    cpuMicrosPerRecord = cpu.stop(records);
    finish();
  };
  const consumer = new Consumer({
    clientId: 'bench-platformatic',
    groupId: ctx.freshGroup(`consume-platformatic-${way}`),
    bootstrapBrokers: ctx.settings.kafkaBrokers,
    deserializers: RAW_DESERIALIZERS,
    ...FETCH_SIZES,
  });
  try {
    const running = way === 'stream' ? consumeStream(consumer, decode, fail) : fetchLoop(consumer, ends, decode, () => decoded === records);
    await Promise.race([
      Promise.all([finished, running]),
      sleep(Math.max(300_000, records)).then(() => Promise.reject(new Error(`${PLATFORMATIC_CEILING_NAME}: ${decoded} of ${records} in time`))),
    ]);
  } finally {
    // Forced: the stream is still open. (With `true` the typings pick the callback overload.)
    await new Promise<void>((resolve, reject) => consumer.close(true, (err) => (err ? reject(err) : resolve())));
  }
  return consumeCeilingResult(
    { name: `${PLATFORMATIC_CEILING_NAME}, ${WAYS[way].label}`, note: WAYS[way].note, records, millis: endedAt - started, cpuMicrosPerRecord },
    log,
  );
}

/** The documented way: a stream of the group's messages from its committed offsets, the earliest for a new group. Returns once it flows. */
async function consumeStream(consumer: Consumer, decode: (value: Buffer | undefined) => void, fail: (err: unknown) => void): Promise<void> {
  const stream = await consumer.consume({
    topics: [TOPICS.readings],
    mode: MessagesStreamModes.COMMITTED,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    // As the KafkaJS ceiling: nothing committed.
    autocommit: false,
  });
  stream.on('error', fail);
  stream.on('data', (message) => decode(message.value));
}

/**
 * The group joined, then the assigned partitions fetched from the earliest offset, one fetch in
 * flight per leader (as the stream does), until each partition reaches the end measured before.
 */
async function fetchLoop(consumer: Consumer, ends: ReadonlyMap<number, number>, decode: (value: Buffer | null) => void, done: () => boolean): Promise<void> {
  const topic = TOPICS.readings;
  consumer.topics.track(topic);
  await consumer.joinGroup({});
  const assigned = consumer.assignments?.find((a) => a.topic === topic)?.partitions ?? [];
  const metadata = (await consumer.metadata({ topics: [topic] })).topics.get(topic);
  if (!metadata) throw new Error(`${PLATFORMATIC_CEILING_NAME}: no metadata for ${topic}`);
  const earliest = (await consumer.listOffsets({ topics: [topic], timestamp: ListOffsetTimestamps.EARLIEST })).get(topic) ?? [];
  const next = new Map(assigned.map((p) => [p, earliest[p] ?? 0n]));
  const byLeader = new Map<number, number[]>();
  for (const p of assigned) {
    const leader = metadata.partitions[p]?.leader;
    if (leader === undefined) throw new Error(`${PLATFORMATIC_CEILING_NAME}: no leader for ${topic}/${p}`);
    byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
  }
  const behind = (p: number) => (next.get(p) ?? 0n) < BigInt(ends.get(p) ?? 0);
  const fromLeader = async (node: number, partitions: readonly number[]) => {
    for (let wanted = partitions.filter(behind); wanted.length > 0 && !done(); wanted = partitions.filter(behind)) {
      const response = await consumer.fetch({
        node,
        minBytes: FETCH_SIZES.minBytes,
        maxBytes: FETCH_SIZES.maxBytes,
        maxWaitTime: FETCH_SIZES.maxWaitTime,
        topics: [
          {
            topicId: metadata.id,
            partitions: wanted.map((partition) => ({
              partition,
              fetchOffset: next.get(partition) ?? 0n,
              partitionMaxBytes: FETCH_SIZES.maxBytesPerPartition,
              currentLeaderEpoch: -1,
              lastFetchedEpoch: -1,
            })),
          },
        ],
      });
      eachFetchedValue(response, next, decode);
    }
  };
  await Promise.all([...byLeader].map(([node, partitions]) => fromLeader(node, partitions)));
}
