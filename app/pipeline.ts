/**
 * Wires the temperature topologies to real clients: the one place that knows which topics, tables,
 * serdes and sinks make up the running pipeline. The CLI, the demo, the benchmark and the integration
 * suite all start the pipeline through here, so they test and measure what users run.
 */
import type { Kafka } from 'kafkajs';
import type { Knex } from 'knex';
import { pipelineTopics, TOPICS, dlqTopicFor } from '../schemas/index.js';
import { migrate, MysqlAlertStore, MysqlReadingsSink } from '../sinks/index.js';
import {
  ensureTopics,
  KafkaTopologyRunner,
  type AvroRegistryClient,
  type BatchingOptions,
  type ErrorPolicies,
  type Logger,
  type RuntimeObserver,
} from '../topology/index.js';
import { buildAlertConsumerTopology } from './alert-consumer.js';
import type { Notifier } from './notifiers/index.js';
import type { Rule } from './rules/index.js';
import { buildTemperatureTopology } from './topology.js';

export interface PipelineClients {
  readonly kafka: Kafka;
  readonly registry: AvroRegistryClient;
  readonly knex: Knex;
  readonly logger?: Logger;
  readonly observer?: RuntimeObserver;
}

export interface PipelineSettings {
  readonly groupId: string;
  readonly minTemp: number;
  readonly maxTemp: number;
  readonly rules?: readonly Rule[];
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
}

/** Creates missing topics (inputs with `partitions` partitions) and runs the migrations. */
export async function prepareInfrastructure(clients: PipelineClients, options: { jsonInput?: boolean; partitions?: number }): Promise<{ createdTopics: string[]; migrations: string[] }> {
  const inputs = new Set<string>([TOPICS.readings, TOPICS.readingsJson]);
  const createdTopics = await ensureTopics(
    clients.kafka,
    pipelineTopics({ jsonInput: options.jsonInput }).map((topic) => ({ topic, numPartitions: inputs.has(topic) ? (options.partitions ?? 6) : 1 })),
  );
  const migrations = await migrate(clients.knex);
  return { createdTopics, migrations };
}

/** The main topology on Kafka: readings in, rows and alerts out, bad input to the DLQ. */
export function createTemperatureRunner(clients: PipelineClients, settings: PipelineSettings): { runner: KafkaTopologyRunner; sink: MysqlReadingsSink } {
  const sink = new MysqlReadingsSink(clients.knex);
  const topology = buildTemperatureTopology({
    registry: clients.registry,
    minTemp: settings.minTemp,
    maxTemp: settings.maxTemp,
    rules: settings.rules,
    mysqlSink: sink,
    jsonInput: settings.jsonInput,
    batching: settings.sinkBatching,
  });
  const runner = new KafkaTopologyRunner(topology, {
    kafka: clients.kafka,
    groupId: settings.groupId,
    dlqTopic: dlqTopicFor,
    errorPolicies: settings.errorPolicies,
    maxInFlightPerPartition: settings.maxInFlightPerPartition,
    shutdownTimeoutMs: settings.shutdownTimeoutMs,
    commitIntervalMs: settings.commitIntervalMs,
    partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
    processingGuarantee: settings.processingGuarantee,
    transactionalId: settings.transactionalId,
    logger: clients.logger,
    observer: clients.observer,
  });
  return { runner, sink };
}

/** The alert consumer on Kafka: TempRangeAlert in, one row and one notification per alert. */
export function createAlertRunner(clients: PipelineClients, settings: Pick<PipelineSettings, 'groupId' | 'errorPolicies' | 'shutdownTimeoutMs' | 'commitIntervalMs'>, notifier: Notifier) {
  const consumer = buildAlertConsumerTopology({ registry: clients.registry, store: new MysqlAlertStore(clients.knex), notifier });
  const runner = new KafkaTopologyRunner(consumer.topology, {
    kafka: clients.kafka,
    groupId: settings.groupId,
    dlqTopic: dlqTopicFor,
    errorPolicies: settings.errorPolicies,
    shutdownTimeoutMs: settings.shutdownTimeoutMs,
    commitIntervalMs: settings.commitIntervalMs,
    logger: clients.logger,
    observer: clients.observer,
  });
  return { runner, writer: consumer.writer };
}
