import { inlineNamedType, loadAvsc } from './load-schema.js';
import type { RecordSchema } from './schema-types.js';
import { TOPICS } from './subjects.js';

export const temperatureReadingSchema: RecordSchema = loadAvsc('temperature-reading.avsc');

/** Self-contained: the nested TemperatureReading is expanded, as the registry needs it. */
export const tempRangeAlertSchema: RecordSchema = inlineNamedType(loadAvsc('temp-range-alert.avsc'), temperatureReadingSchema);

export const tempAlertEpisodeSchema: RecordSchema = loadAvsc('temp-alert-episode.avsc');

export const deviceSilenceSchema: RecordSchema = loadAvsc('device-silence.avsc');

export interface TopicSchema {
  readonly topic: string;
  readonly schema: RecordSchema;
}

/** Every value schema and the topic it is registered for. JSON input and DLQs carry no registered schema. */
export const TOPIC_SCHEMAS: readonly TopicSchema[] = [
  { topic: TOPICS.readings, schema: temperatureReadingSchema },
  { topic: TOPICS.alerts, schema: tempRangeAlertSchema },
  { topic: TOPICS.episodes, schema: tempAlertEpisodeSchema },
  { topic: TOPICS.silence, schema: deviceSilenceSchema },
];
