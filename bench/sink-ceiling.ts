/**
 * The sink ceiling, once per SQL path: the backlog's storable readings through MysqlReadingsSink
 * alone (no Kafka), in the topology's batch size and with as many transactions at once as its sink
 * runs. Besides rows/s it takes the CPU that counts on a shared machine: MariaDB's (its container's
 * cgroup) while writing and while it flushes afterwards, and this process's (building and sending).
 */
import { TOPICS, type TemperatureReading } from '../schemas/index.js';
import { createKnex, MysqlReadingsSink, type SqlPath } from '../sinks/index.js';
import type { StreamRecord } from '../topology/index.js';
import { countRows, type BenchContext } from './context.js';
import { settle, stackCpu } from './cpu.js';
import { backlogReading } from './data.js';
import type { Throughput } from './baselines.js';

export interface SinkCeiling extends Throughput {
  readonly sqlPath: SqlPath;
  /** MariaDB's CPU µs per stored row while the writes ran. */
  readonly mysqlUsPerRow: number;
  /** The same, counting the flushing that follows until the server is quiet (≤ 30 s). */
  readonly mysqlWithTailUsPerRow: number;
  /** This process's CPU µs per row: building rows, statements or streams, and the driver. */
  readonly clientUsPerRow: number;
}

const processCpuSeconds = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** A path may be measured more than once a run (`--sql inline,load-data,inline`), each in a database of its own. */
let runs = 0;

export async function runSinkCeiling(ctx: BenchContext, records: number, sqlPath: SqlPath, log: (line: string) => void): Promise<SinkCeiling> {
  const mysqlUrl = await ctx.freshDatabase(`bench_sink_${sqlPath.replace('-', '_')}_${++runs}`);
  const knex = createKnex(mysqlUrl);
  const sink = new MysqlReadingsSink(knex, { sqlPath });
  const batches = storableBatches(ctx, records);
  const rows = batches.reduce((n, b) => n + b.length, 0);
  const concurrency = ctx.defaults.sinkConcurrency;
  const waited = await settle(ctx.stack, { maxSeconds: 30 });
  const mysqlBefore = stackCpu(ctx.stack).mysql ?? NaN;
  const clientBefore = processCpuSeconds();
  const started = performance.now();
  try {
    let next = 0;
    const worker = async () => {
      while (next < batches.length) await sink.write(batches[next++]!);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await knex.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  const clientSeconds = processCpuSeconds() - clientBefore;
  const mysqlSeconds = (stackCpu(ctx.stack).mysql ?? NaN) - mysqlBefore;
  const tail = await settle(ctx.stack, { maxSeconds: 30 });
  const mysqlWithTail = (stackCpu(ctx.stack).mysql ?? NaN) - mysqlBefore;
  const stored = await countRows(ctx.settings, mysqlUrl);
  if (stored !== rows) throw new Error(`sink ceiling (${sqlPath}): ${stored} rows stored, expected ${rows}`);
  const us = (cpuSeconds: number) => (cpuSeconds * 1e6) / rows;
  const result: SinkCeiling = {
    name: `sink ceiling, ${sqlPath}`,
    sqlPath,
    records: rows,
    seconds,
    perSecond: rows / seconds,
    mysqlUsPerRow: us(mysqlSeconds),
    mysqlWithTailUsPerRow: us(mysqlWithTail),
    clientUsPerRow: us(clientSeconds),
    note: `MysqlReadingsSink (${sqlPath}), ${ctx.defaults.sinkBatchSize} rows per transaction, ${concurrency} at once, no Kafka; MariaDB ${us(mysqlSeconds).toFixed(1)} µs/row (${us(mysqlWithTail).toFixed(1)} with its flush after), client ${us(clientSeconds).toFixed(1)} µs/row`,
  };
  log(
    `sink ceiling (${sqlPath}): ${rows} rows in ${batches.length} transactions in ${seconds.toFixed(1)} s = ${Math.round(result.perSecond)}/s; ` +
      `CPU per row: MariaDB ${result.mysqlUsPerRow.toFixed(1)} µs (${result.mysqlWithTailUsPerRow.toFixed(1)} µs with ${tail.toFixed(0)} s of flushing after), client ${result.clientUsPerRow.toFixed(1)} µs; waited ${waited.toFixed(0)} s before`,
  );
  return result;
}

/** Built before the clock starts: the ceiling is the database's, not the generator's. */
function storableBatches(ctx: BenchContext, records: number): StreamRecord<string, TemperatureReading>[][] {
  const limits = { minTemp: ctx.defaults.minTemp, maxTemp: ctx.defaults.maxTemp };
  const batches: StreamRecord<string, TemperatureReading>[][] = [];
  let batch: StreamRecord<string, TemperatureReading>[] = [];
  for (let i = 0; i < records; i++) {
    const { reading, kind } = backlogReading(i, limits);
    if (kind === 'illegal') continue;
    batch.push({
      key: reading.deviceId,
      value: reading,
      headers: {},
      timestamp: reading.readingTime,
      source: { topic: TOPICS.readings, partition: i % ctx.partitions, offset: String(i) },
    });
    if (batch.length === ctx.defaults.sinkBatchSize) {
      batches.push(batch);
      batch = [];
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
