/**
 * The whole pipeline in one process, on infrastructure that is already up: schemas, tables, the
 * temperature topology, the alert consumer and the simulator, with a line of totals every second.
 * Stops in order so nothing is lost: simulator, then the topology once it has caught up, then the
 * alert consumer once it has caught up.
 */
import type { Kafka } from 'kafkajs';
import type { Knex } from 'knex';
import { createAlertRunner, createTemperatureRunner, logNotifier, TOPICS } from '../../app/index.js';
import { registerSchemas } from '../../schemas/index.js';
import { TEMPERATURE_TABLE } from '../../sinks/index.js';
import { errorMessage, type AvroRegistryClient } from '../../topology/index.js';
import { createKafka, createRegistry } from '../clients.js';
import type { AppConfig } from '../config.js';
import { during, ExitError } from '../exit.js';
import { waitUntil } from '../lifecycle.js';
import type { Logger } from '../logger.js';
import { CountingObserver } from '../observers.js';
import { startApi, type RunningApi } from '../services/api-service.js';
import { withMigratedDatabase } from '../services/database.js';
import { alertGroupId, pipelineSettings } from '../services/pipeline-settings.js';
import { ensurePipelineTopics } from '../services/topics.js';
import { kafkaAt, registryAt } from '../services/where.js';
import { readingEncoder } from '../simulate/encode.js';
import type { SimulatedFleet } from '../simulate/fleet.js';
import { connectReadingProducer } from '../simulate/kafka-sender.js';
import { Simulator } from '../simulate/simulator.js';
import { finalReport, liveLine, NO_TOTALS, type DemoTotals } from './live-summary.js';

export interface DemoRun {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly print: (line: string) => void;
  readonly fleet: SimulatedFleet;
  readonly rate: number;
  readonly durationMs?: number;
  /** Ctrl-C. */
  readonly signal: AbortSignal;
}

/** Prints a line of totals every second; returns the timer. */
function liveTicker(totals: () => DemoTotals, print: (line: string) => void): NodeJS.Timeout {
  const started = Date.now();
  let before = NO_TOTALS;
  let lastTick = started;
  return setInterval(() => {
    const now = totals();
    const at = Date.now();
    print(liveLine(at - started, now, before, at - lastTick));
    before = now;
    lastTick = at;
  }, 1000);
}

/**
 * The dashboard beside the demo's pipeline, on API_PORT (8080) or, when that is taken, on any free
 * port: a demo should not fail because something else listens on 8080.
 */
async function startDemoApi(config: AppConfig, logger: Logger, clients: Parameters<typeof startApi>[2]): Promise<RunningApi> {
  try {
    return await startApi(config, logger, clients);
  } catch (err) {
    if (!(err instanceof ExitError) || !/EADDRINUSE/.test(err.message)) throw err;
    return startApi(config, logger, clients, { port: 0 });
  }
}

/** How long each stage may take to catch up with the one before it when stopping. */
const CATCH_UP_MS = 15_000;

export async function runDemo(run: DemoRun): Promise<{ consistent: boolean }> {
  const { config, logger, print } = run;
  const kafka = createKafka(config, logger);
  const registry = createRegistry(config);

  const registered = await during(`registering schemas with ${registryAt(config)}`, () =>
    registerSchemas({ url: config.schemaRegistry.url, auth: config.schemaRegistry.auth }),
  );
  print(`Schemas: ${registered.map((r) => `${r.subject} v${r.version ?? '?'} (${r.outcome})`).join(', ')}`);
  await during(`creating topics on ${kafkaAt(config)}`, () => ensurePipelineTopics(kafka, config, logger));
  return withMigratedDatabase(config, logger, async (knex, applied) => {
    print(`Database: ${applied.length > 0 ? `ran ${applied.join(', ')}` : 'up to date'}`);
    return runPipeline(run, kafka, registry, knex);
  });
}

async function runPipeline(run: DemoRun, kafka: Kafka, registry: AvroRegistryClient, knex: Knex): Promise<{ consistent: boolean }> {
  const { config, logger, print } = run;
  const readings = new CountingObserver();
  const alertsSeen = new CountingObserver();
  const { runner: topology, sink } = createTemperatureRunner({ kafka, registry, knex, logger, observer: readings }, pipelineSettings(config));
  const alerts = createAlertRunner(
    { kafka, registry, knex, logger, observer: alertsSeen },
    pipelineSettings(config, alertGroupId(config)),
    logNotifier(logger.child({ component: 'alerts' })),
  );

  const halt = new AbortController();
  run.signal.addEventListener('abort', () => halt.abort(), { once: true });
  let failure: Error | undefined;
  for (const [name, runner] of [
    ['topology', topology],
    ['alert consumer', alerts.runner],
  ] as const) {
    runner.done().catch((err: unknown) => {
      failure ??= new Error(`the ${name} failed: ${errorMessage(err)}`);
      halt.abort();
    });
  }

  const producer = await during(`connecting the simulator to ${kafkaAt(config)}`, () => connectReadingProducer(kafka, TOPICS.readings));
  const simulator = new Simulator({
    fleet: run.fleet,
    encode: readingEncoder('avro', TOPICS.readings, registry),
    send: (messages) => producer.send(messages),
    rate: run.rate,
    durationMs: run.durationMs,
    signal: halt.signal,
  });
  const totals = (): DemoTotals => ({
    sent: simulator.stats.sent,
    processed: readings.counts.handled,
    stored: sink.counters.stored,
    alertsRaised: readings.producedTo(TOPICS.alerts),
    alertsNotified: alerts.consumer.writer.counters.notified,
    deadLettered: readings.counts.deadLettered,
  });
  let stopping = Date.now();
  let api: RunningApi | undefined;
  try {
    await during(`starting the topology on ${kafkaAt(config)}`, () => topology.start());
    await during('starting the alert consumer', () => alerts.runner.start());
    api = await during('starting the dashboard', () => startDemoApi(config, logger, { kafka, registry, knex }));
    print(`Dashboard: ${api.url}/ (API docs: ${api.url}/docs)`);
    print(
      `Running: ${run.rate} readings/s from ${run.fleet.deviceIds.length} devices${run.durationMs ? ` for ${run.durationMs / 1000} s` : ''}; Ctrl-C to stop.`,
    );
    const ticker = liveTicker(totals, print);
    try {
      await simulator.run().catch((err: unknown) => {
        failure ??= new Error(`the simulator failed: ${errorMessage(err)}`);
      });
    } finally {
      clearInterval(ticker);
    }
    stopping = Date.now();
    print('Stopping: simulator stopped; letting the topology catch up...');
    await waitUntil(() => readings.counts.handled >= simulator.stats.sent || failure !== undefined, CATCH_UP_MS);
    await topology.stop();
    print('Topology stopped; letting the alert consumer catch up...');
    await waitUntil(() => alertsSeen.counts.handled >= readings.producedTo(TOPICS.alerts) || failure !== undefined, CATCH_UP_MS);
    await alerts.runner.stop();
    print('Alert consumer stopped.');
  } finally {
    // Already done on the normal path; after a failure, whatever still runs is stopped here.
    await api?.close().catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'closing the dashboard failed'));
    await producer.disconnect().catch(() => undefined);
    await topology.stop().catch(() => undefined);
    await alerts.runner.stop().catch(() => undefined);
  }
  if (failure) throw new ExitError(failure.message);

  const rows = await knex(TEMPERATURE_TABLE).count({ n: '*' });
  const report = { totals: totals(), simulation: simulator.stats, rowsInTable: Number(rows[0]?.n ?? 0), stoppingMs: Date.now() - stopping };
  print('');
  print(finalReport(report).trimEnd());
  const t = report.totals;
  const s = report.simulation;
  return { consistent: t.processed === s.sent && t.alertsRaised === s.anomalies && t.alertsNotified === t.alertsRaised && t.deadLettered === s.illegal };
}
