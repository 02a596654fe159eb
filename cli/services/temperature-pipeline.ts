/**
 * The configuration mapped onto the app's pipeline settings, so `start`, `replay`, `alerts` and
 * `demo` run exactly what app/pipeline.ts wires (and what the tests and the benchmark run).
 */
import type { Kafka } from 'kafkajs';
import {
  engineSettings as appEngineSettings,
  pipelineRunner,
  temperatureTopology as appTemperatureTopology,
  type PipelineSettings,
  type ReadingsWriter,
} from '../../app/index.js';
import type { AvroRegistryClient, EngineOptions, KafkaTopologyRunner, RuntimeObserver, Topology } from '../../topology/index.js';
import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';

/**
 * KafkaJS waits up to 5 s for data on a quiet partition and a stop waits for that fetch; the Java
 * client's 500 ms keeps a graceful stop quick at the cost of a few more empty fetches.
 */
export const CONSUMER_CONFIG = { maxWaitTimeInMs: 500 } as const;

export function pipelineSettings(config: AppConfig, groupId = config.kafka.groupId): PipelineSettings {
  return {
    groupId,
    minTemp: config.rules.minTemp,
    maxTemp: config.rules.maxTemp,
    readingWindow: config.readingWindow,
    jsonInput: config.jsonInput,
    sinkBatching: { maxRecords: config.sink.batchSize, lingerMs: config.sink.lingerMs, maxConcurrentWrites: config.sink.concurrency },
    maxInFlightPerPartition: config.maxInFlightPerPartition,
    errorPolicies: config.errorPolicies,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    processingGuarantee: config.processingGuarantee,
    // Stable per instance and group, so a restarted instance fences the transactions of the one it replaces.
    transactionalId: `${groupId}-${config.instanceId}`,
    consumerConfig: CONSUMER_CONFIG,
  };
}

export interface TemperatureTopologyParts {
  readonly registry: AvroRegistryClient;
  readonly sink: ReadingsWriter;
  /** False: the constraints only, so no reading raises an alert (replay's default). */
  readonly withAlerts?: boolean;
  /** Default: the configuration's JSON_INPUT. */
  readonly jsonInput?: boolean;
}

export function temperatureTopology(config: AppConfig, parts: TemperatureTopologyParts): Topology {
  const settings = { ...pipelineSettings(config), withAlerts: parts.withAlerts, jsonInput: parts.jsonInput ?? config.jsonInput };
  return appTemperatureTopology(parts.registry, settings, parts.sink);
}

/** Engine settings from the configuration, minus the producer (the runner or the caller brings it). */
export function engineSettings(config: AppConfig, logger: Logger, observer?: RuntimeObserver): Omit<EngineOptions, 'producer'> {
  return appEngineSettings(pipelineSettings(config), { logger, observer });
}

export function temperatureRunner(
  config: AppConfig,
  deps: { kafka: Kafka; topology: Topology; logger: Logger; observer?: RuntimeObserver },
): KafkaTopologyRunner {
  return pipelineRunner(deps.topology, deps, pipelineSettings(config));
}
