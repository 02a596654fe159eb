/**
 * The temperature topology as the CLI runs it: the same topology and engine settings for `start`,
 * `replay` and `demo`, so a replayed record meets exactly the rules a live one does.
 */
import type { Kafka } from 'kafkajs';
import { buildTemperatureTopology, constraintsOf, defaultRules, dlqTopicFor, type ReadingsWriter } from '../../app/index.js';
import { KafkaTopologyRunner, type AvroRegistryClient, type EngineOptions, type RuntimeObserver, type Topology } from '../../topology/index.js';
import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';

export interface TemperatureTopologyParts {
  readonly registry: AvroRegistryClient;
  readonly sink: ReadingsWriter;
  /** False: the constraints only, so no reading raises an alert (replay's default). */
  readonly withAlerts?: boolean;
  /** Default: the configuration's JSON_INPUT. */
  readonly jsonInput?: boolean;
}

export function temperatureTopology(config: AppConfig, parts: TemperatureTopologyParts): Topology {
  const limits = { minTemp: config.rules.minTemp, maxTemp: config.rules.maxTemp };
  return buildTemperatureTopology({
    registry: parts.registry,
    ...limits,
    rules: parts.withAlerts === false ? constraintsOf(defaultRules(limits)) : undefined,
    mysqlSink: parts.sink,
    jsonInput: parts.jsonInput ?? config.jsonInput,
    batching: { maxRecords: config.sink.batchSize, lingerMs: config.sink.lingerMs },
  });
}

/** Engine settings from the configuration, minus the producer (the runner or the caller brings it). */
export function engineSettings(config: AppConfig, logger: Logger, observer?: RuntimeObserver): Omit<EngineOptions, 'producer'> {
  return {
    dlqTopic: dlqTopicFor,
    errorPolicies: config.errorPolicies,
    maxInFlightPerPartition: config.maxInFlightPerPartition,
    observer,
    logger,
  };
}

/**
 * KafkaJS waits up to 5 s for data on a quiet partition and a stop waits for that fetch; the Java
 * client's 500 ms keeps a graceful stop quick at the cost of a few more empty fetches.
 */
export const CONSUMER_CONFIG = { maxWaitTimeInMs: 500 } as const;

export function temperatureRunner(config: AppConfig, deps: { kafka: Kafka; topology: Topology; logger: Logger; observer?: RuntimeObserver }): KafkaTopologyRunner {
  return new KafkaTopologyRunner(deps.topology, {
    ...engineSettings(config, deps.logger, deps.observer),
    kafka: deps.kafka,
    groupId: config.kafka.groupId,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    processingGuarantee: config.processingGuarantee,
    consumerConfig: CONSUMER_CONFIG,
  });
}
