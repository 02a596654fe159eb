/**
 * Phase 4: what the topology is compared with, on the same backlog.
 * - the seed's way: one message at a time (eachMessage), decode, INSERT, commit, then the next;
 * - the consume ceiling: KafkaJS eachBatch reading and decoding everything, no sink;
 * (The sink ceiling, per SQL path, is in sink-ceiling.ts; the consume ceiling with @platformatic/kafka
 * instead of KafkaJS in consume-ceiling-platformatic.ts.)
 */
import type avro from 'avsc';
import type { Knex } from 'knex';
import { LEGAL_MAX_F, LEGAL_MIN_F } from '../app/index.js';
import { TOPICS, temperatureReadingSchema, type TemperatureReading } from '../schemas/index.js';
import { createKnex, TEMPERATURE_TABLE, toMysqlDatetime, toTemperatureRow } from '../sinks/index.js';
import { avroRegistrySerde, type StreamRecord } from '../topology/index.js';
import { endOffsets, sleep, sumOffsets, type BenchContext } from './context.js';
import { processCpuSpan } from './process-cpu.js';

export interface Throughput {
  readonly name: string;
  readonly records: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly note: string;
  /** The bench process's CPU (user + system) per record over the timed span, where it is measured. */
  readonly cpuMicrosPerRecord?: number;
}

export const readingSerde = (ctx: BenchContext) =>
  avroRegistrySerde<TemperatureReading>({ registry: ctx.registry, schema: temperatureReadingSchema as avro.Schema });

/**
 * The seed's consumer, as it was: every message decoded, inserted on its own (autocommit) and its
 * offset committed before the next is read. Too slow to run to the end: it runs until a time or
 * record budget is spent and the rate is extrapolated from the first message to the last commit.
 */
export async function runSeedWay(ctx: BenchContext, budget: { seconds: number; records: number }, log: (line: string) => void): Promise<Throughput> {
  const mysqlUrl = await ctx.freshDatabase('bench_seed');
  const knex = createKnex(mysqlUrl);
  const serde = readingSerde(ctx);
  const consumer = ctx.kafka.consumer({ groupId: ctx.freshGroup('seed') });
  let handled = 0;
  let firstAt: number | undefined;
  let lastAt = 0;
  let spent = false;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.readings, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        if (spent) return;
        firstAt ??= performance.now();
        const reading = await serde.deserialize(message.value, topic);
        if (reading.temperature >= LEGAL_MIN_F && reading.temperature <= LEGAL_MAX_F) {
          await insertOne(knex, {
            key: null,
            value: reading,
            headers: {},
            timestamp: Number(message.timestamp),
            source: { topic, partition, offset: message.offset },
          });
        }
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
        handled++;
        lastAt = performance.now();
        if (handled >= budget.records || (lastAt - firstAt) / 1000 >= budget.seconds) {
          spent = true;
          finish();
        }
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
    await knex.destroy();
  }
  const seconds = (lastAt - (firstAt ?? lastAt)) / 1000;
  const result: Throughput = {
    name: "seed's way",
    records: handled,
    seconds,
    perSecond: handled / seconds,
    note: `extrapolated from ${handled} readings in ${seconds.toFixed(1)} s`,
  };
  log(`seed's way: ${handled} readings in ${seconds.toFixed(1)} s = ${Math.round(result.perSecond)}/s (one at a time: decode, INSERT, commit)`);
  return result;
}

async function insertOne(knex: Knex, record: StreamRecord<null, TemperatureReading>): Promise<void> {
  await knex(TEMPERATURE_TABLE).insert(toTemperatureRow(record, toMysqlDatetime(Date.now())));
}

/** KafkaJS at its best for this job: batches, 16 partitions concurrently, the topology's own decoder, per batch what the runner does per batch. */
export async function runConsumeCeiling(ctx: BenchContext, log: (line: string) => void): Promise<Throughput> {
  const records = sumOffsets(await endOffsets(ctx.admin, TOPICS.readings));
  const serde = readingSerde(ctx);
  const consumer = ctx.kafka.consumer({ groupId: ctx.freshGroup('consume') });
  let decoded = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const started = performance.now();
  const cpu = processCpuSpan();
  let endedAt = started;
  let cpuMicrosPerRecord = NaN;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.readings, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 16,
      // As the runner's feeder uses KafkaJS: liveness asked and the offset resolved once per batch (isStale
      // is a JSON.stringify, resolveOffset parses a Long), a decode awaited only when it waits on the registry.
      eachBatch: async (payload) => {
        const { batch } = payload;
        if (!payload.isRunning() || payload.isStale()) return;
        for (const message of batch.messages) {
          const pending = serde.deserialize(message.value, batch.topic);
          if (pending instanceof Promise) await pending;
          if (++decoded === records) {
            endedAt = performance.now();
            cpuMicrosPerRecord = cpu.stop(records);
            finish();
          }
        }
        const last = batch.messages.at(-1);
        if (last) payload.resolveOffset(last.offset);
        await payload.heartbeat();
      },
    });
    await Promise.race([
      finished,
      sleep(Math.max(300_000, records)).then(() => Promise.reject(new Error(`consume ceiling: ${decoded} of ${records} in time`))),
    ]);
  } finally {
    await consumer.disconnect();
  }
  return consumeCeilingResult(
    { name: 'consume ceiling', note: 'KafkaJS eachBatch + Avro decode, no sink, from connect()', records, millis: endedAt - started, cpuMicrosPerRecord },
    log,
  );
}

/** A consume ceiling's figures, whichever client read the backlog, logged in one form. */
export function consumeCeilingResult(
  run: { name: string; note: string; records: number; millis: number; cpuMicrosPerRecord: number },
  log: (line: string) => void,
): Throughput {
  const { name, note, records, cpuMicrosPerRecord } = run;
  const seconds = run.millis / 1000;
  const result: Throughput = { name, records, seconds, perSecond: records / seconds, note, cpuMicrosPerRecord };
  log(
    `${name}: ${records} readings read and decoded in ${seconds.toFixed(1)} s = ${Math.round(result.perSecond)}/s, ${cpuMicrosPerRecord.toFixed(2)} µs CPU per reading (bench process)`,
  );
  return result;
}
