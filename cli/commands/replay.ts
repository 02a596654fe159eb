/**
 * `tempstream replay`: backfills MySQL from a readings topic through the same rules and sink as
 * `start`, without the live consumer group. Alerts stay off unless --with-alerts: a backfill must not
 * page anyone a second time for an old reading.
 */
import { Option, type Command } from 'commander';
import type { Kafka } from 'kafkajs';
import { dlqTopicFor, engineSettings, temperatureTopology, TOPICS } from '../../app/index.js';
import { MysqlReadingsSink } from '../../sinks/index.js';
import { argument, positiveNumber } from '../arguments.js';
import { createKafka, createRegistry } from '../clients.js';
import { contextFor, type CliDeps } from '../context.js';
import { during, ExitError, UsageError } from '../exit.js';
import { stopSignal } from '../lifecycle.js';
import { CountingObserver } from '../observers.js';
import { closeDatabase, migrateDatabase, openDatabase } from '../services/database.js';
import { pipelineSettings } from '../services/pipeline-settings.js';
import { ensurePipelineTopics } from '../services/topics.js';
import { kafkaAt, mysqlAt } from '../services/where.js';
import { holdBackTopics } from '../replay/hold-back.js';
import { planReplay, PlanError, type ReplayPlan } from '../replay/plan.js';
import { checkWindow, parseFrom, parseTo, PositionError, type ReplayFrom, type ReplayTo } from '../replay/positions.js';
import { progressReporter } from '../replay/progress.js';
import { RateLimiter } from '../replay/rate-limiter.js';
import { runReplay } from '../replay/replay.js';
import { formatPlan, formatSummary } from '../replay/report.js';
import { resolveWindow, UnknownTopicError } from '../replay/resolve-offsets.js';
import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';

interface ReplayFlags {
  from: ReplayFrom;
  to: ReplayTo;
  rate?: number;
  dryRun?: boolean;
  topic: string;
  withAlerts?: boolean;
  dlq: boolean;
}

export function registerReplayCommand(program: Command, deps: CliDeps): void {
  program
    .command('replay')
    .description('backfill MySQL from a readings topic through the same rules and sink, without the live consumer group')
    .requiredOption('--from <position>', 'earliest | ISO time (2025-01-31T08:00:00Z) | partition:offset[,partition:offset...]', argument(parseFrom))
    .addOption(
      new Option('--to <time>', 'ISO time (records before it) or now (the ends of the partitions when the replay starts)')
        .argParser(argument(parseTo))
        .default({ kind: 'now' } satisfies ReplayTo, 'now'),
    )
    .option('--rate <n>', 'at most n records per second', positiveNumber)
    .option('--dry-run', 'print the plan (partitions, offsets, record count) and exit')
    .addOption(new Option('--topic <topic>', 'the topic to replay').choices([TOPICS.readings, TOPICS.readingsJson]).default(TOPICS.readings))
    .option('--with-alerts', 'also raise TempRangeAlerts for replayed readings (off: a backfill should not page people again)')
    .option('--no-dlq', 'count records that break a rule but do not write them to the DLQ again')
    .addHelpText(
      'after',
      [
        '',
        'The replay reads with a throwaway consumer group that never commits: the live group is not touched.',
        'End offsets are captured when it starts; it stops when every partition reaches them.',
        'Rows already in MySQL are counted as "already present": running a replay twice stores nothing new.',
        'Exit 1 if interrupted (Ctrl-C) or if the topology fails; 2 for a bad --from/--to.',
      ].join('\n'),
    )
    .action(async (flags: ReplayFlags, command: Command) => {
      wrapPositionErrors(() => checkWindow(flags.from, flags.to));
      const ctx = contextFor(command, deps);
      const { config, logger, io } = ctx;
      const kafka = createKafka(config, logger);
      const plan = await during(`reading offsets of ${flags.topic} from ${kafkaAt(config)}`, () => planFor(kafka, flags));
      io.out(formatPlan(plan, windowLabel(flags)));
      if (flags.dryRun) return;
      if (plan.totalRecords === 0) {
        io.out('Nothing to replay.\n');
        return;
      }
      io.out('\n');
      await replay({ config, logger, kafka, plan, flags, print: (text) => io.out(text), interactive: io.interactive });
    });
}

async function planFor(kafka: Kafka, flags: ReplayFlags): Promise<ReplayPlan> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const window = await resolveWindow(admin, flags.topic, flags.from, flags.to);
    return planReplay(window);
  } catch (err) {
    // A wrong partition or a missing topic is the caller's mistake, not a run-time failure.
    if (err instanceof PlanError || err instanceof UnknownTopicError) throw new UsageError(`--from/--topic: ${err.message}`);
    throw err;
  } finally {
    await admin.disconnect();
  }
}

interface ReplayRun {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly kafka: Kafka;
  readonly plan: ReplayPlan;
  readonly flags: ReplayFlags;
  readonly print: (text: string) => void;
  readonly interactive: boolean;
}

async function replay({ config, logger, kafka, plan, flags, print, interactive }: ReplayRun): Promise<void> {
  const jsonInput = flags.topic === TOPICS.readingsJson;
  await during(`creating topics on ${kafkaAt(config)}`, () => ensurePipelineTopics(kafka, config, logger, { jsonInput: jsonInput || config.jsonInput }));
  const knex = openDatabase(config, logger);
  const stop = stopSignal(logger);
  try {
    await during(`migrating ${mysqlAt(config)}`, () => migrateDatabase(knex, logger));
    const sink = new MysqlReadingsSink(knex);
    const counts = new CountingObserver();
    // Stateless: a replay reads old readings once, by its own plan; episodes and silence belong to the live pipeline.
    const settings = { ...pipelineSettings(config), withAlerts: flags.withAlerts === true, jsonInput, stateful: false };
    const topology = temperatureTopology(createRegistry(config), settings, sink);
    const started = Date.now();
    const outcome = await during('replaying', () =>
      runReplay({
        kafka,
        topology,
        engine: engineSettings(settings, { logger, observer: counts }),
        plan,
        clientId: config.kafka.clientId,
        logger,
        progress: progressReporter({ total: plan.totalRecords, interactive, logger }),
        limiter: flags.rate ? new RateLimiter(flags.rate) : undefined,
        signal: stop.signal,
        drainTimeoutMs: Math.max(config.shutdownTimeoutMs, 60_000),
        wrapProducer: flags.dlq ? undefined : (producer) => holdBackTopics(producer, [dlqTopicFor(plan.topic)]),
      }),
    );
    print(
      formatSummary({
        topic: plan.topic,
        complete: outcome.complete,
        planned: plan.totalRecords,
        read: outcome.read,
        sink: sink.counters,
        alerts: counts.producedTo(TOPICS.alerts),
        alertsEnabled: flags.withAlerts === true,
        deadLettered: counts.counts.deadLettered,
        dlqTopic: dlqTopicFor(plan.topic),
        dlqHeldBack: !flags.dlq,
        elapsedMs: Date.now() - started,
      }),
    );
    if (!outcome.complete) throw new ExitError(`replay interrupted after ${outcome.read} of ${plan.totalRecords} records`);
  } finally {
    stop.dispose();
    await closeDatabase(knex, logger);
  }
}

function windowLabel(flags: ReplayFlags): string {
  const from =
    flags.from.kind === 'earliest'
      ? 'earliest'
      : flags.from.kind === 'time'
        ? new Date(flags.from.at).toISOString()
        : [...flags.from.offsets].map(([p, o]) => `${p}:${o}`).join(',');
  const to = flags.to.kind === 'now' ? 'now' : new Date(flags.to.at).toISOString();
  return `from ${from} to ${to}`;
}

function wrapPositionErrors(check: () => void): void {
  try {
    check();
  } catch (err) {
    if (err instanceof PositionError) throw new UsageError(err.message);
    throw err;
  }
}
