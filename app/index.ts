/** tempstream/app: the temperature pipeline built on tempstream/topology. What the CLI and runner call. */
export { buildTemperatureTopology, type TemperatureTopologyOptions, type ReadingsWriter } from './topology.js';
export {
  buildAlertConsumerTopology,
  isNotifyMode,
  NOTIFY_MODES,
  STORABLE_ALERT_RULE,
  STORABLE_EPISODE_RULE,
  STORABLE_SILENCE_RULE,
  type AlertConsumer,
  type AlertConsumerOptions,
  type NotifyMode,
} from './alert-consumer.js';
export { AlertWriter, type AlertCounters } from './alert-writer.js';
export { NotifyingWriter, type NotifyCounters, type NotifiedKind, type NotifyingWriterOptions } from './notifying-writer.js';
export { episodeWriter, silenceWriter, EPISODE_KIND, SILENCE_KIND } from './event-writers.js';
export { episodeMessage, silenceMessage, noticeMessage, formatDuration } from './event-message.js';
export { alertMessage, formatDegrees } from './alert-message.js';
export { toTempRangeAlert } from './alert-record.js';
export { trackEpisode, checkEpisodeSettings, episodeIdOf, DEFAULT_HYSTERESIS_F, type EpisodeSettings, type OpenEpisode } from './episodes/episode-tracker.js';
export { EPISODE_STORE } from './episodes/episode-processor.js';
export { SILENCE_STORE } from './silence/silence-processor.js';
export { DEFAULT_SILENCE_MS, silenceCheckIntervalMs, type LastSeen } from './silence/silence-tracker.js';
export { DEFAULT_ROLLUP_GRACE_MS, ROLLUP_WINDOW_MS, type MinuteRollup, type DeviceWindow, type RollupWriter } from './rollups/minute-rollup.js';
export * from './rules/index.js';
export * from './notifiers/index.js';
export { TOPICS, dlqTopicFor, valueSubjectFor, pipelineTopics } from '../schemas/index.js';
export {
  prepareInfrastructure,
  pipelineTopicSpecs,
  temperatureTopology,
  engineSettings,
  pipelineRunner,
  createTemperatureRunner,
  createAlertRunner,
  type PipelineClients,
  type PipelineSettings,
  type RunnerSettings,
} from './pipeline.js';
export * from './dead-letters/index.js';
export { alertDeserializer, episodeDeserializer, silenceDeserializer, type AvroRegistryClient, type Logger } from './alert-decoder.js';
export { errorMessage } from '../topology/index.js';
