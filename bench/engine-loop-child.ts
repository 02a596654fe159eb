/**
 * The stateless pipeline's own CPU per reading, without Kafka, MySQL or the machine's other loads in
 * the way: the app's topology in an engine fed by the runner's batch feeder, from fetched-like
 * batches of Avro readings, into the real readings sink over a knex that answers at once and a
 * producer that acknowledges on the next turn of the event loop. What it leaves out is the
 * clients' own work (KafkaJS decoding fetches and encoding produce requests, mysql2's protocol).
 * Run by bench/engine-loop.ts, one process per run; prints one JSON line.
 */
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { PerformanceObserver } from 'node:perf_hooks';
import { temperatureTopology } from '../app/index.js';
import { TOPICS, valueSubjectFor, temperatureReadingSchema } from '../schemas/index.js';
import { InMemorySchemaRegistry } from '../schemas/testing/index.js';
import { MysqlReadingsSink } from '../sinks/index.js';
import { fakeKnex, insertResult } from '../sinks/testing/fake-knex.js';
import { Engine, KafkaBatchFeeder, type OutputProducer } from '../topology/index.js';
import { backlogReading, readingEncoder } from './data.js';
import { userDefaults } from './user-defaults.js';

export interface EngineLoopResult {
  readonly records: number;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  readonly gcMs: number;
  readonly produced: number;
  readonly rows: number;
}

const PARTITIONS = 6;
/** About what a 256 KiB fetch per partition holds of these records. */
const BATCH = 2000;

/**
 * One fetch per partition: `BATCH` messages each, as KafkaJS hands them to eachBatch. Made just
 * before they are fed (and not counted), so that the heap holds what a consumer holds, not the
 * whole backlog.
 */
function fetchRound(from: number, to: number, encode: (i: number) => { key: Buffer; value: Buffer }): KafkaMessage[][] {
  const byPartition: KafkaMessage[][] = Array.from({ length: PARTITIONS }, () => []);
  const timestamp = String(Date.now());
  for (let i = from; i < to; i++) {
    const { key, value } = encode(i);
    // Record i is offset ⌊i / PARTITIONS⌋ of partition i mod PARTITIONS.
    byPartition[i % PARTITIONS]!.push({ key, value, timestamp, attributes: 0, offset: String(Math.floor(i / PARTITIONS)), headers: {} });
  }
  return byPartition;
}

function payloadOf(partition: number, messages: KafkaMessage[]): EachBatchPayload {
  return {
    batch: { topic: TOPICS.readings, partition, messages },
    resolveOffset: () => undefined,
    heartbeat: () => Promise.resolve(),
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
}

async function runOnce(records: number, from: number): Promise<EngineLoopResult> {
  const defaults = userDefaults({ ...process.env, STATEFUL: 'false' });
  const registry = InMemorySchemaRegistry.withPipelineSchemas();
  const schemaId = registry.register(valueSubjectFor(TOPICS.readings), temperatureReadingSchema);
  const encodeReading = readingEncoder(schemaId);
  const keys = new Map<string, Buffer>();
  const encode = (i: number) => {
    const { reading } = backlogReading(i, defaults);
    let key = keys.get(reading.deviceId);
    if (!key) keys.set(reading.deviceId, (key = Buffer.from(reading.deviceId)));
    return { key, value: encodeReading(reading) };
  };
  let rows = 0;
  const { knex } = fakeKnex((_sql, _bindings, call) => {
    // The driver reads the rows' text; count its lines to answer as the server would.
    const factory = call.options?.infileStreamFactory as ((name: string) => unknown) | undefined;
    const text = (factory?.('rows.tsv') as { read(): Buffer | null } | undefined)?.read?.() ?? null;
    const lines = text ? countLines(text) : 0;
    rows += lines;
    return insertResult(lines);
  });
  let produced = 0;
  const producer: OutputProducer = {
    send: (_topic, messages) =>
      new Promise((resolve) =>
        setImmediate(() => {
          produced += messages.length;
          resolve();
        }),
      ),
  };
  const settings = {
    groupId: 'bench-engine',
    ...defaults,
    sinkBatching: { maxRecords: defaults.sinkBatchSize, lingerMs: defaults.sinkLingerMs, maxConcurrentWrites: defaults.sinkConcurrency },
  };
  const topology = temperatureTopology(registry, { ...settings, stateful: false }, new MysqlReadingsSink(knex, { sqlPath: 'load-data' }));
  const engine = new Engine(topology, { producer, maxInFlightPerPartition: defaults.maxInFlightPerPartition, sinkBatching: settings.sinkBatching });
  const feeder = new KafkaBatchFeeder(engine, { live: () => !engine.closed });
  // The serde fetches the writer schema once: not part of a reading's cost.
  await engine.process({ topic: TOPICS.readings, partition: 0, offset: '0', key: null, value: encode(0).value, headers: {}, timestamp: Date.now() });
  await engine.drain(10_000);

  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  const cpuMicros = () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  };
  const wallStart = performance.now();
  let fetching = 0;
  const cpuStart = cpuMicros();
  for (let at = from; at < from + records; at += PARTITIONS * BATCH) {
    const before = cpuMicros();
    const round = fetchRound(at, Math.min(from + records, at + PARTITIONS * BATCH), encode);
    fetching += cpuMicros() - before;
    // KafkaJS runs each partition's eachBatch concurrently (partitionsConsumedConcurrently).
    await Promise.all(round.map((messages, p) => feeder.feed(payloadOf(p, messages))));
    engine.tracker.markCommitted(engine.tracker.due());
  }
  if (!(await engine.drain(60_000))) throw new Error(`engine did not drain: ${engine.failed?.message ?? 'timeout'}`);
  const cpu = cpuMicros() - cpuStart - fetching;
  const wallSeconds = (performance.now() - wallStart) / 1000;
  gc.disconnect();
  engine.close();
  return { records, cpuSeconds: cpu / 1e6, wallSeconds, gcMs, produced, rows };
}

function countLines(text: Buffer): number {
  let n = 0;
  for (let at = text.indexOf(10); at >= 0; at = text.indexOf(10, at + 1)) n++;
  return n;
}

const records = Number(process.argv[2] ?? 300_000);
// A first pass warms the JIT up; the second is measured, on readings of its own (rows are not
// inserted twice).
await runOnce(Math.min(records, 60_000), 6_000_000);
const result = await runOnce(records, 0);
console.log(JSON.stringify(result));
