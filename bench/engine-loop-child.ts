/**
 * The pipeline's own CPU per reading, without Kafka, MySQL or the machine's other loads in the way:
 * the app's topology in an engine fed by the runner's batch feeder, from fetched-like batches of Avro
 * readings, into the real readings sink over a knex that answers at once and a producer that
 * acknowledges on the next turn of the event loop. Stateless by default; `stateful` adds episodes,
 * silence and rollups (the app's default), whose changelog writes go through the same producer and
 * whose rollups reach the real rollup sink. What it leaves out is the clients' own work (KafkaJS
 * decoding fetches and encoding produce requests, mysql2's protocol).
 * Run by bench/engine-loop.ts, one process per run: `engine-loop-child.js RECORDS [stateful]`; prints one JSON line.
 */
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { PerformanceObserver } from 'node:perf_hooks';
import { startAllocationSampling } from './allocation-sampling.js';
import { temperatureTopology } from '../app/index.js';
import { TOPICS, valueSubjectFor, temperatureReadingSchema } from '../schemas/index.js';
import { InMemorySchemaRegistry } from '../schemas/testing/index.js';
import { MysqlMinuteRollupSink, MysqlReadingsSink } from '../sinks/index.js';
import { fakeKnex, insertResult } from '../sinks/testing/fake-knex.js';
import { Engine, EventLoopSlice, KafkaBatchFeeder, type OutputProducer, type RuntimeObserver } from '../topology/index.js';
import { backlogReading, DEVICES, readingEncoder } from './data.js';
import { userDefaults } from './user-defaults.js';

export interface EngineLoopResult {
  readonly records: number;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  readonly gcMs: number;
  readonly produced: number;
  readonly rows: number;
  /** Changelog entries among `produced` (stateful). */
  readonly changelogEntries: number;
  /** Store changes written to the changelog sink, and in how many batches (before the writer keeps each key's last). */
  readonly changelogChanges: number;
  readonly changelogBatches: number;
  readonly rollupRows: number;
  /** With ENGINE_LOOP_ALLOC_PROF: the bytes V8's sampling heap profiler counted in the measured pass, collected objects included. */
  readonly allocatedBytes?: number;
}

const PARTITIONS = 6;
/** About what a 256 KiB fetch per partition holds of these records. */
const BATCH = 2000;

/**
 * One fetch per partition: `BATCH` messages each, as KafkaJS hands them to eachBatch. Made just
 * before they are fed (and not counted), so that the heap holds what a consumer holds, not the
 * whole backlog.
 */
function fetchRound(from: number, to: number, encode: (i: number) => { key: Buffer; value: Buffer }, keyed: PartitionOffsets | undefined): KafkaMessage[][] {
  const byPartition: KafkaMessage[][] = Array.from({ length: PARTITIONS }, () => []);
  const timestamp = String(Date.now());
  for (let i = from; i < to; i++) {
    const { key, value } = encode(i);
    if (keyed) {
      // By device, as a keyed producer partitions: a device's state stays in one task.
      const partition = (i % DEVICES) % PARTITIONS;
      byPartition[partition]!.push({ key, value, timestamp, attributes: 0, offset: String(keyed[partition]!++), headers: {} });
    } else {
      // Record i is offset ⌊i / PARTITIONS⌋ of partition i mod PARTITIONS.
      byPartition[i % PARTITIONS]!.push({ key, value, timestamp, attributes: 0, offset: String(Math.floor(i / PARTITIONS)), headers: {} });
    }
  }
  return byPartition;
}

/** The next offset of each partition, when records go to partitions by key. */
type PartitionOffsets = number[];

function payloadOf(partition: number, messages: KafkaMessage[]): EachBatchPayload {
  return {
    batch: { topic: TOPICS.readings, partition, messages },
    resolveOffset: () => undefined,
    heartbeat: () => Promise.resolve(),
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
}

async function runOnce(records: number, from: number, stateful: boolean): Promise<EngineLoopResult> {
  const defaults = userDefaults({ ...process.env, STATEFUL: String(stateful) });
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
  let rollupRows = 0;
  const { knex } = fakeKnex((sql, _bindings, call) => {
    if (sql.startsWith('INSERT')) {
      // The rollups' INSERT IGNORE: one "(…)" per row.
      const n = countRows(sql);
      rollupRows += n;
      return insertResult(n);
    }
    // The driver reads the rows' text; count its lines to answer as the server would.
    const factory = call.options?.infileStreamFactory as ((name: string) => unknown) | undefined;
    const text = (factory?.('rows.tsv') as { read(): Buffer | null } | undefined)?.read?.() ?? null;
    const lines = text ? countLines(text) : 0;
    rows += lines;
    return insertResult(lines);
  });
  let produced = 0;
  let changelogEntries = 0;
  const producer: OutputProducer = {
    send: (topic, messages) =>
      new Promise((resolve) =>
        setImmediate(() => {
          produced += messages.length;
          if (topic.endsWith('-changelog')) changelogEntries += messages.length;
          resolve();
        }),
      ),
  };
  const settings = {
    groupId: 'bench-engine',
    ...defaults,
    sinkBatching: { maxRecords: defaults.sinkBatchSize, lingerMs: defaults.sinkLingerMs, maxConcurrentWrites: defaults.sinkConcurrency },
  };
  const topology = temperatureTopology(
    registry,
    { ...settings, stateful },
    new MysqlReadingsSink(knex, { sqlPath: 'load-data' }),
    stateful ? new MysqlMinuteRollupSink(knex) : undefined,
  );
  let changelogChanges = 0;
  let changelogBatches = 0;
  const observer: RuntimeObserver = {
    flushed: (name, count) => {
      if (name !== 'changelog') return;
      changelogBatches++;
      changelogChanges += count;
    },
  };
  // One slice for the feeder and the tasks, as the runner has (ENGINE_LOOP_MAX_BLOCKING_MS to compare another).
  const slice = new EventLoopSlice(process.env.ENGINE_LOOP_MAX_BLOCKING_MS ? Number(process.env.ENGINE_LOOP_MAX_BLOCKING_MS) : undefined);
  const engine = new Engine(topology, {
    producer,
    observer,
    slice,
    maxInFlightPerPartition: defaults.maxInFlightPerPartition,
    sinkBatching: settings.sinkBatching,
  });
  const feeder = new KafkaBatchFeeder(engine, { slice, live: () => !engine.closed });
  // The serde fetches the writer schema once: not part of a reading's cost. Stateful: that first
  // reading is the first record of its device's partition, and the measured ones follow it (a
  // reading processed twice would change the state twice).
  const keyed: PartitionOffsets | undefined = stateful ? Array.from({ length: PARTITIONS }, () => 0) : undefined;
  const first = encode(from);
  const firstPartition = keyed ? (from % DEVICES) % PARTITIONS : 0;
  if (keyed) keyed[firstPartition] = 1;
  await engine.process({
    topic: TOPICS.readings,
    partition: firstPartition,
    offset: '0',
    key: first.key,
    value: first.value,
    headers: {},
    timestamp: Date.now(),
  });
  await engine.drain(10_000);
  const start = keyed ? from + 1 : from;

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
  for (let at = start; at < start + records; at += PARTITIONS * BATCH) {
    const before = cpuMicros();
    const round = fetchRound(at, Math.min(start + records, at + PARTITIONS * BATCH), encode, keyed);
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
  return { records, cpuSeconds: cpu / 1e6, wallSeconds, gcMs, produced, rows, changelogEntries, changelogChanges, changelogBatches, rollupRows };
}

function countRows(sql: string): number {
  let n = 1;
  for (let at = sql.indexOf('), ('); at >= 0; at = sql.indexOf('), (', at + 4)) n++;
  return n;
}

function countLines(text: Buffer): number {
  let n = 0;
  for (let at = text.indexOf(10); at >= 0; at = text.indexOf(10, at + 1)) n++;
  return n;
}

const records = Number(process.argv[2] ?? 300_000);
const stateful = process.argv[3] === 'stateful';
// A first pass warms the JIT up; the second is measured, on readings of its own (rows are not
// inserted twice), by a fresh engine (its state starts empty).
await runOnce(Math.min(records, 60_000), 6_000_000, stateful);
// With ENGINE_LOOP_ALLOC_PROF=DIR, V8's sampling heap profiler follows the measured pass only.
const allocProfDir = process.env.ENGINE_LOOP_ALLOC_PROF;
const sampling = allocProfDir ? await startAllocationSampling() : undefined;
const result = await runOnce(records, 0, stateful);
const allocatedBytes = sampling
  ? await sampling.stop(`${allocProfDir}/engine-loop-${stateful ? 'stateful' : 'stateless'}-${process.pid}.heapprofile`)
  : undefined;
console.log(JSON.stringify({ ...result, allocatedBytes }));
