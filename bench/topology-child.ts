/**
 * The topology as its own process, so its memory is its own: the same prepareInfrastructure /
 * createTemperatureRunner path and the same defaults `tempstream start` uses. Reports samples every
 * second and, when told to stop, drains, commits and reports its peak RSS (getrusage maxrss).
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import type { Knex } from 'knex';
import { createTemperatureRunner } from '../app/index.js';
import { createKnex, MysqlReadingsSink } from '../sinks/index.js';
import { errorMessage, type Logger, type RuntimeObserver } from '../topology/index.js';
import { CHILD_CONFIG_ENV, type FlushStats, type FromChild, type ToChild, type TopologyChildConfig } from './child-protocol.js';

const raw = process.env[CHILD_CONFIG_ENV];
if (!raw || !process.send) throw new Error(`run by the bench with an IPC channel and ${CHILD_CONFIG_ENV} set`);
const config = JSON.parse(raw) as TopologyChildConfig;

const send = (message: FromChild): Promise<void> =>
  new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send?.(message, undefined, {}, () => resolve());
  });

/**
 * Warnings are counted, not printed: the engine warns once per dead-lettered record, and 5,000
 * lines on the terminal would measure the terminal. Errors are printed.
 */
const warnings: Record<string, number> = {};
const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (_fields, message) => {
    warnings[message] = (warnings[message] ?? 0) + 1;
  },
  error: (fields, message) => console.error(`[topology] ${message} ${JSON.stringify(fields)}`),
};

/**
 * How long each sink spends writing: a sink busy nearly all the time is what bounds throughput.
 * The same hook the CLI's Prometheus metrics use; two additions per batch, not per record.
 */
const flushes: Record<string, { batches: number; records: number; ms: number }> = {};
const observer: RuntimeObserver = {
  flushed: (name, records, millis) => {
    const f = (flushes[name] ??= { batches: 0, records: 0, ms: 0 });
    f.batches++;
    f.records += records;
    f.ms += millis;
  },
};
const flushStats = (): FlushStats => structuredClone(flushes);

const cpuSeconds = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/**
 * A database that answers every transaction `delayMs` late: the slow sink of the memory phase,
 * without replacing the MysqlReadingsSink that createTemperatureRunner builds.
 */
function slowTransactions(knex: Knex, delayMs: number): Knex {
  return new Proxy(knex, {
    get(target, property, receiver) {
      if (property !== 'transaction') return Reflect.get(target, property, receiver) as unknown;
      return async (scope: (trx: Knex.Transaction) => Promise<unknown>) => {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return target.transaction(scope);
      };
    },
  });
}

const kafka = new Kafka({ clientId: 'bench-topology', brokers: config.brokers, logLevel: logLevel.ERROR });
const registry = new SchemaRegistry({ host: config.registryUrl });
const baseKnex = createKnex(config.mysqlUrl);
const knex = config.slowSinkMs > 0 ? slowTransactions(baseKnex, config.slowSinkMs) : baseKnex;

const { runner, sink, topology } = createTemperatureRunner(
  { kafka, registry, knex, logger, observer },
  {
    groupId: config.groupId,
    minTemp: config.minTemp,
    maxTemp: config.maxTemp,
    sinkBatching: { maxRecords: config.sinkBatchSize, lingerMs: config.sinkLingerMs, maxConcurrentWrites: config.sinkConcurrency },
    maxInFlightPerPartition: config.maxInFlightPerPartition,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    stateful: config.stateful,
  },
  new MysqlReadingsSink(knex, { sqlPath: config.sqlPath }),
);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  clearInterval(sampler);
  gcObserver.disconnect();
  await runner.stop().catch(() => undefined);
  await baseKnex.destroy().catch(() => undefined);
  const failed = runner.engine.failed;
  if (failed) await send({ type: 'failed', error: failed.message });
  // ru_maxrss: the kernel's peak resident set of this process, in kilobytes on Linux.
  await send({ type: 'stopped', maxRssKb: process.resourceUsage().maxRSS, cpuSeconds: cpuSeconds(), sink: sink.counters, flushes: flushStats(), warnings });
  // process.exit still writes a --cpu-prof profile; waiting for KafkaJS's timers would not.
  process.exit(failed ? 1 : 0);
};

process.on('message', (message: ToChild) => {
  if (message.type === 'stop') void stop();
});
// The parent went away (Ctrl-C, crash): stop rather than run on as an orphan.
process.on('disconnect', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => undefined); // the parent handles Ctrl-C and tells us to stop

/**
 * Event-loop delay and GC pauses: a record, a database answer or a producer ack that arrives while
 * the loop is blocked waits, so these explain sink write times and alert latencies.
 */
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
let gcMax = 0;
let gcTotal = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMax = Math.max(gcMax, entry.duration);
    gcTotal += entry.duration;
  }
});
gcObserver.observe({ entryTypes: ['gc'] });

const sampler = setInterval(() => {
  const memory = process.memoryUsage();
  void send({
    type: 'sample',
    at: Date.now(),
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    externalBytes: memory.external,
    inFlight: runner.engine.tracker.totalInFlight(),
    cpuSeconds: cpuSeconds(),
    loopDelayMaxMs: loopDelay.max / 1e6,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    gcPauseMaxMs: gcMax,
    gcPauseTotalMs: gcTotal,
    sink: sink.counters,
    flushes: flushStats(),
  });
  loopDelay.reset();
  gcMax = 0;
  gcTotal = 0;
}, 1000);

runner.done().catch(async (err: unknown) => {
  await send({ type: 'failed', error: errorMessage(err) });
});

await send({ type: 'starting', at: Date.now() });
await runner.start();
await send({ type: 'running', at: Date.now(), stateful: topology.isStateful });
