/**
 * The topic contract in one place: which topics exist, which schema each carries, and where a
 * topic's dead letters go. The registry uses the topic-name strategy: subject `<topic>-value`.
 */
export const TOPICS = {
  /** Avro (Confluent wire format) TemperatureReading values, keyed by device id. */
  readings: 'temperature-readings',
  /** Optional: the same readings as JSON, for devices that cannot speak Avro. */
  readingsJson: 'temperature-readings-json',
  /** Avro TempRangeAlert values, keyed by device id. */
  alerts: 'TempRangeAlert',
  /** Avro TempAlertEpisode values (OPENED, RESOLVED), keyed by device id. */
  episodes: 'TempAlertEpisode',
  /** Avro DeviceSilence values (SILENT, BACK), keyed by device id. */
  silence: 'DeviceSilence',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/**
 * DLQ topic of a source topic. Each input has its own DLQ because a DLQ keeps the original bytes for
 * replay, and a replay tool needs one wire format per topic (Avro and JSON must not mix).
 */
const DLQ_TOPICS: Readonly<Record<string, string>> = {
  [TOPICS.readings]: 'temperature-readings-dlq',
  [TOPICS.readingsJson]: 'temperature-readings-json-dlq',
  [TOPICS.alerts]: 'TempRangeAlert-dlq',
  [TOPICS.episodes]: 'TempAlertEpisode-dlq',
  [TOPICS.silence]: 'DeviceSilence-dlq',
};

/** Declared on each source of the app's topologies (`dlqTopic`). Unknown topics fall back to the engine's own convention. */
export const dlqTopicFor = (sourceTopic: string): string => DLQ_TOPICS[sourceTopic] ?? `${sourceTopic}-dlq`;

/** Topic-name strategy, as the Confluent serializers default to. */
export const valueSubjectFor = (topic: string): string => `${topic}-value`;

/** Every topic the pipeline reads or writes, DLQs included: what to pass to `ensureTopics`. */
export function pipelineTopics(options: { jsonInput?: boolean } = {}): string[] {
  const inputs: string[] = options.jsonInput ? [TOPICS.readings, TOPICS.readingsJson] : [TOPICS.readings];
  const consumed = [...inputs, TOPICS.alerts, TOPICS.episodes, TOPICS.silence];
  return [...consumed, ...consumed.map(dlqTopicFor)];
}
