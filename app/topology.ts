import type avro from 'avsc';
import {
  avroRegistrySerde,
  jsonAvroSerde,
  stringSerde,
  TopologyBuilder,
  type AvroRegistryClient,
  type BatchingOptions,
  type BatchWriter,
  type Deserializer,
  type StreamRecord,
  type Topology,
} from '../topology/index.js';
import { dlqTopicFor, TOPICS, temperatureReadingSchema, tempRangeAlertSchema, type TemperatureReading, type TempRangeAlert } from '../schemas/index.js';
import { toTempRangeAlert } from './alert-record.js';
import {
  alertRulesOf,
  checkLimits,
  checkRuleList,
  constraintsOf,
  defaultRules,
  factsOf,
  findViolation,
  raiseAlerts,
  type ReadingWindow,
  type Rule,
} from './rules/index.js';

export { dlqTopicFor, TOPICS } from '../schemas/index.js';

/** What the MySQL sink (or its in-memory twin) must be. */
export type ReadingsWriter = BatchWriter<StreamRecord<string | null, TemperatureReading>>;

export interface TemperatureTopologyOptions {
  /** Resolves writer schemas and the alert schema's id; the serdes' registry client. */
  readonly registry: AvroRegistryClient;
  /** °F. A valid reading strictly below raises a LOW alert. */
  readonly minTemp: number;
  /** °F. A valid reading strictly above raises a HIGH alert. */
  readonly maxTemp: number;
  /** Replaces the whole rule list, which is `defaultRules({ minTemp, maxTemp }, readingWindow)` by default. */
  readonly rules?: readonly Rule[];
  /** Adds `reading-time-plausible` to the default rules: a reading's time must fit when it was sent. */
  readonly readingWindow?: ReadingWindow;
  /** Receives every valid reading. */
  readonly mysqlSink: ReadingsWriter;
  /** Also read `temperature-readings-json` (JSON checked against the same Avro schema). */
  readonly jsonInput?: boolean;
  /** Batching of the readings sink. */
  readonly batching?: Partial<BatchingOptions>;
}

/**
 * temperature-readings (Avro) [+ temperature-readings-json]
 *   → check constraints (a broken one: DLQ with the rule's name, not stored)
 *   → every valid reading to the MySQL sink
 *   → alert rules → TempRangeAlert (Avro), keyed by device id
 * Undecodable or invalid readings go to each input's own DLQ (`dlqTopicFor`), declared on its source.
 */
export function buildTemperatureTopology(options: TemperatureTopologyOptions): Topology {
  checkLimits(options, 'buildTemperatureTopology');
  const rules = checkRuleList(options.rules ?? defaultRules(options, options.readingWindow));
  const constraints = constraintsOf(rules);
  const alertRules = alertRulesOf(rules);
  const alertSerde = avroRegistrySerde<TempRangeAlert>({ registry: options.registry, schema: tempRangeAlertSchema as avro.Schema });
  const builder = new TopologyBuilder();

  const wire = (label: string, topic: string, valueSerde: Deserializer<TemperatureReading>) => {
    const valid = builder
      .stream<string | null, TemperatureReading>(topic, { key: stringSerde, value: valueSerde }, { name: `read-${label}`, dlqTopic: dlqTopicFor(topic) })
      .validate((record) => findViolation(constraints, factsOf(record.value, record.timestamp)), `check-constraints-${label}`);
    valid.sink(options.mysqlSink, { name: `store-readings-${label}`, batching: options.batching });
    // Kafka Streams' split(): readings that raise an alert take the out-of-range branch; the rest
    // end here (they are already on their way to the sink).
    const { 'out-of-range': outOfRange } = valid
      .split(`route-by-range-${label}`)
      .branch('out-of-range', (record) => raiseAlerts(alertRules, factsOf(record.value)).length > 0)
      .defaultBranch('in-range');
    outOfRange!
      .flatMap((record) => {
        const facts = factsOf(record.value);
        return raiseAlerts(alertRules, facts).map((raised) => ({ key: facts.reading.deviceId, value: toTempRangeAlert(raised, facts, record.source) }));
      }, `raise-alerts-${label}`)
      .to(TOPICS.alerts, { key: stringSerde, value: alertSerde }, { name: `send-alerts-${label}` });
  };

  wire('avro', TOPICS.readings, avroRegistrySerde<TemperatureReading>({ registry: options.registry, schema: temperatureReadingSchema as avro.Schema }));
  if (options.jsonInput) wire('json', TOPICS.readingsJson, jsonAvroSerde<TemperatureReading>(temperatureReadingSchema as avro.Schema));
  return builder.build();
}
