/**
 * The configuration mapped onto app/pipeline.ts's settings: the CLI's only part in assembling the
 * pipeline. `start`, `alerts`, `replay`, `demo` and `describe` hand these to app/pipeline.ts, which
 * builds what the tests and the benchmark build too.
 */
import type { PipelineSettings } from '../../app/index.js';
import type { AppConfig } from '../config.js';

/**
 * KafkaJS waits up to 5 s for data on a quiet partition and a stop waits for that fetch; the Java
 * client's 500 ms keeps a graceful stop quick at the cost of a few more empty fetches.
 */
export const CONSUMER_CONFIG = { maxWaitTimeInMs: 500 } as const;

/** Its own group: the alert consumer reads a different topic at its own pace. */
export const alertGroupId = (config: AppConfig): string => `${config.kafka.groupId}-alerts`;

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
    transactionTimeoutMs: config.transactionTimeoutMs,
    // Stable per instance and group, so a restarted instance fences the transactions of the one it replaces.
    transactionalId: `${groupId}-${config.instanceId}`,
    consumerConfig: CONSUMER_CONFIG,
    stateful: config.stateful.enabled,
    hysteresisF: config.stateful.hysteresisF,
    silenceMs: config.stateful.silenceMs,
    rollupGraceMs: config.stateful.rollupGraceMs,
  };
}
