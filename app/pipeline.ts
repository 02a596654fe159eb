/**
 * Wires the temperature topologies to real clients: the one place that knows which topics, tables,
 * serdes and sinks make up the running pipeline. The CLI, the demo, the benchmark and the integration
 * suite all start the pipeline through here, so they test and measure what users run.
 */
import type { ConsumerConfig, Kafka } from 'kafkajs';
import type { Knex } from 'knex';
import { pipelineTopics, TOPICS, dlqTopicFor } from '../schemas/index.js';
import { migrate, MysqlAlertStore, MysqlEpisodeStore, MysqlMinuteRollupSink, MysqlReadingsSink, MysqlSilenceStore } from '../sinks/index.js';
import {
  ensureTopics,
  KafkaTopologyRunner,
  type AvroRegistryClient,
  type BatchingOptions,
  type EngineOptions,
  type ErrorPolicies,
  type Logger,
  type RuntimeObserver,
  type TopicSpec,
  type Topology,
} from '../topology/index.js';
import { buildAlertConsumerTopology, type AlertConsumer, type NotifyMode } from './alert-consumer.js';
import type { AlertWriter } from './alert-writer.js';
import type { Notifier } from './notifiers/index.js';
import { constraintsOf, defaultRules, type ReadingWindow, type Rule } from './rules/index.js';
import type { RollupWriter } from './rollups/minute-rollup.js';
import { buildTemperatureTopology, type ReadingsWriter } from './topology.js';

export interface PipelineClients {
  readonly kafka: Kafka;
  readonly registry: AvroRegistryClient;
  readonly knex: Knex;
  readonly logger?: Logger;
  readonly observer?: RuntimeObserver;
}

/** Everything a running pipeline is tuned by; the CLI maps its configuration onto this. */
export interface PipelineSettings {
  readonly groupId: string;
  readonly minTemp: number;
  readonly maxTemp: number;
  readonly rules?: readonly Rule[];
  /** Refuse readings whose time is implausible for when they were sent (`reading-time-plausible`). */
  readonly readingWindow?: ReadingWindow;
  readonly jsonInput?: boolean;
  readonly sinkBatching?: Partial<BatchingOptions>;
  readonly maxInFlightPerPartition?: number;
  readonly errorPolicies?: Partial<ErrorPolicies>;
  readonly shutdownTimeoutMs?: number;
  readonly commitIntervalMs?: number;
  readonly partitionsConsumedConcurrently?: number;
  /** `exactly_once`: alerts, DLQ records and offsets in one Kafka transaction; rows stay idempotent. */
  readonly processingGuarantee?: 'at_least_once' | 'exactly_once';
  /** Stable per instance (e.g. group + host name), so a restarted instance fences its predecessor. */
  readonly transactionalId?: string;
  /** `exactly_once`: how long a transaction may stay open before the broker aborts it (default 10 s). */
  readonly transactionTimeoutMs?: number;
  readonly consumerConfig?: Partial<ConsumerConfig>;
  /** False: constraints only, no alerts (replay's default). Ignored when `rules` is given. */
  readonly withAlerts?: boolean;
  /**
   * Episodes, silent devices and rollups (issue 13). Default: on, unless `withAlerts` is false (a
   * backfill opens no episode, and silence by today's wall clock means nothing for old readings).
   */
  readonly stateful?: boolean;
  /** °F back inside a limit that resolves an episode (default 2). */
  readonly hysteresisF?: number;
  /** Wall-clock ms without a reading before a device is reported silent (default 60 000). */
  readonly silenceMs?: number;
  /** How late a reading may come and still count in its minute's rollup (default 5 000 ms). */
  readonly rollupGraceMs?: number;
}

/**
 * Every topic of the pipeline with its partitions; dead-letter topics take records twice the default
 * size, since a dead letter is its original plus headers and must never be refused for its size.
 */
export function pipelineTopicSpecs(options: { jsonInput?: boolean; partitions?: number }): TopicSpec[] {
  const dlqs = new Set([TOPICS.readings, TOPICS.readingsJson, TOPICS.alerts, TOPICS.episodes, TOPICS.silence].map(dlqTopicFor));
  return pipelineTopics({ jsonInput: options.jsonInput }).map((topic) => ({
    topic,
    numPartitions: options.partitions ?? 6,
    configEntries: dlqs.has(topic) ? [{ name: 'max.message.bytes', value: String(2 * 1024 * 1024) }] : undefined,
  }));
}

/** Creates missing topics and runs the migrations. */
export async function prepareInfrastructure(
  clients: PipelineClients,
  options: { jsonInput?: boolean; partitions?: number },
): Promise<{ createdTopics: string[]; migrations: string[] }> {
  const createdTopics = await ensureTopics(clients.kafka, pipelineTopicSpecs(options));
  const migrations = await migrate(clients.knex);
  return { createdTopics, migrations };
}

/** What running a topology needs, whichever topology it is. */
export type RunnerSettings = Omit<
  PipelineSettings,
  'minTemp' | 'maxTemp' | 'rules' | 'readingWindow' | 'jsonInput' | 'withAlerts' | 'stateful' | 'hysteresisF' | 'silenceMs' | 'rollupGraceMs'
>;

/** The readings topology over `sink`; `withAlerts: false` keeps only the constraints (a backfill pages nobody). */
export function temperatureTopology(registry: AvroRegistryClient, settings: PipelineSettings, sink: ReadingsWriter, rollupSink?: RollupWriter): Topology {
  const limits = { minTemp: settings.minTemp, maxTemp: settings.maxTemp };
  return buildTemperatureTopology({
    registry,
    ...limits,
    readingWindow: settings.readingWindow,
    rules: settings.rules ?? (settings.withAlerts === false ? constraintsOf(defaultRules(limits, settings.readingWindow)) : undefined),
    mysqlSink: sink,
    jsonInput: settings.jsonInput,
    batching: settings.sinkBatching,
    stateful: settings.stateful ?? settings.withAlerts !== false,
    hysteresisF: settings.hysteresisF,
    silenceMs: settings.silenceMs,
    rollupGraceMs: settings.rollupGraceMs,
    rollupSink,
  });
}

/** Engine settings of both topologies: the one mapping from pipeline settings to the runtime. */
export function engineSettings(settings: RunnerSettings, clients: Pick<PipelineClients, 'logger' | 'observer'>): Omit<EngineOptions, 'producer'> {
  return {
    errorPolicies: settings.errorPolicies,
    maxInFlightPerPartition: settings.maxInFlightPerPartition,
    sinkBatching: settings.sinkBatching,
    logger: clients.logger,
    observer: clients.observer,
  };
}

/** Runs `topology` on Kafka with the pipeline's settings. */
export function pipelineRunner(
  topology: Topology,
  clients: Pick<PipelineClients, 'kafka' | 'logger' | 'observer'>,
  settings: RunnerSettings,
): KafkaTopologyRunner {
  return new KafkaTopologyRunner(topology, {
    ...engineSettings(settings, clients),
    kafka: clients.kafka,
    groupId: settings.groupId,
    shutdownTimeoutMs: settings.shutdownTimeoutMs,
    commitIntervalMs: settings.commitIntervalMs,
    partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
    processingGuarantee: settings.processingGuarantee,
    transactionalId: settings.transactionalId,
    transactionTimeoutMs: settings.transactionTimeoutMs,
    consumerConfig: settings.consumerConfig,
  });
}

/** The main topology on Kafka: readings in, rows and alerts out, bad input to the DLQ. */
export function createTemperatureRunner(
  clients: PipelineClients,
  settings: PipelineSettings,
  sink: MysqlReadingsSink = new MysqlReadingsSink(clients.knex),
  /** Table `temperature_minute`'s writer (used only when the pipeline is stateful). */
  rollupSink: RollupWriter = new MysqlMinuteRollupSink(clients.knex),
): { runner: KafkaTopologyRunner; sink: MysqlReadingsSink; topology: Topology } {
  const topology = temperatureTopology(clients.registry, settings, sink, rollupSink);
  return { runner: pipelineRunner(topology, clients, settings), sink, topology };
}

/**
 * The alert consumer on Kafka: TempRangeAlert, TempAlertEpisode and DeviceSilence in, one row per
 * alert and per event, and a notification per episode event (`notify: 'episodes'`) or per alert
 * (`'per-reading'`, the default here), and per silence event.
 */
export function createAlertRunner(
  clients: PipelineClients,
  settings: RunnerSettings,
  notifier: Notifier,
  options: { notify?: NotifyMode } = {},
): { runner: KafkaTopologyRunner; consumer: AlertConsumer; writer: AlertWriter } {
  const consumer = buildAlertConsumerTopology({
    registry: clients.registry,
    store: new MysqlAlertStore(clients.knex),
    episodeStore: new MysqlEpisodeStore(clients.knex),
    silenceStore: new MysqlSilenceStore(clients.knex),
    notifier,
    notify: options.notify,
    logger: clients.logger,
  });
  return { runner: pipelineRunner(consumer.topology, clients, settings), consumer, writer: consumer.writer };
}
