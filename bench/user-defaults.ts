/** The bench's one way into the CLI: its public configuration, read as `tempstream start` reads it. */
import { loadConfig } from '../cli/config.js';

/**
 * The settings `tempstream start` would run with in this environment: its defaults, or
 * MIN_TEMP, MAX_TEMP, SINK_BATCH_SIZE, SINK_LINGER_MS, SINK_CONCURRENCY, MAX_IN_FLIGHT_PER_PARTITION, STATEFUL when
 * set, so a tuning can be measured exactly as a user would apply it (`STATEFUL=false` measures the stateless pipeline).
 */
export interface UserDefaults {
  readonly minTemp: number;
  readonly maxTemp: number;
  readonly sinkBatchSize: number;
  readonly sinkLingerMs: number;
  readonly sinkConcurrency: number;
  readonly maxInFlightPerPartition: number;
  readonly shutdownTimeoutMs: number;
  /** Episodes, silence and rollups on (`STATEFUL`, default true). */
  readonly stateful: boolean;
}

export function userDefaults(env: NodeJS.ProcessEnv = process.env): UserDefaults {
  const config = loadConfig(env);
  return {
    minTemp: config.rules.minTemp,
    maxTemp: config.rules.maxTemp,
    sinkBatchSize: config.sink.batchSize,
    sinkLingerMs: config.sink.lingerMs,
    sinkConcurrency: config.sink.concurrency,
    maxInFlightPerPartition: config.maxInFlightPerPartition,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    stateful: config.stateful.enabled,
  };
}
