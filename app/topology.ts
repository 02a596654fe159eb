import type avro from 'avsc';
import {
  avroRegistrySerde,
  jsonAvroSerde,
  requiredStringSerde,
  stringSerde,
  TimeWindows,
  TopologyBuilder,
  type AvroRegistryClient,
  type BatchingOptions,
  type BatchWriter,
  type Deserializer,
  type KStream,
  type StreamRecord,
  type Topology,
} from '../topology/index.js';
import {
  deviceSilenceSchema,
  dlqTopicFor,
  TOPICS,
  temperatureReadingSchema,
  tempAlertEpisodeSchema,
  tempRangeAlertSchema,
  type DeviceSilence,
  type TemperatureReading,
  type TempAlertEpisode,
  type TempRangeAlert,
} from '../schemas/index.js';
import { toTempRangeAlert } from './alert-record.js';
import { EpisodeProcessor, EPISODE_STORE, episodeStoreSpec } from './episodes/episode-processor.js';
import { checkEpisodeSettings, DEFAULT_HYSTERESIS_F, type EpisodeSettings } from './episodes/episode-tracker.js';
import { SilenceProcessor, SILENCE_STORE, silenceStoreSpec } from './silence/silence-processor.js';
import { checkSilenceMs, DEFAULT_SILENCE_MS } from './silence/silence-tracker.js';
import {
  addReading,
  DEFAULT_ROLLUP_GRACE_MS,
  emptyAggregate,
  minuteAggregateSerde,
  ROLLUP_WALL_CLOCK_CHECK_MS,
  ROLLUP_WINDOW_MS,
  toMinuteRollup,
  type MinuteAggregate,
  type RollupWriter,
} from './rollups/minute-rollup.js';
import {
  alertRulesOf,
  checkLimits,
  checkRuleList,
  constraintsOf,
  defaultRules,
  factsOf,
  findViolation,
  raiseAlerts,
  raisesAlert,
  toFahrenheit,
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
  /**
   * Alert episodes, silent devices and (with `rollupSink`) per-minute rollups: the parts that keep
   * state per device. Default true; false gives the stateless topology (the benchmark compares both).
   */
  readonly stateful?: boolean;
  /** °F a reading must be back inside a limit by to resolve an episode; default 2. */
  readonly hysteresisF?: number;
  /** Wall-clock ms without a reading after which a device is reported silent; default 60 000. */
  readonly silenceMs?: number;
  /** Receives each device's closed one-minute windows (table `temperature_minute`); no rollups without it. */
  readonly rollupSink?: RollupWriter;
  /** How late a reading may come and still count in its minute; default 5 000 ms. */
  readonly rollupGraceMs?: number;
}

/**
 * temperature-readings (Avro) [+ temperature-readings-json]
 *   → check constraints (a broken one: DLQ with the rule's name, not stored)
 *   → every valid reading to the MySQL sink
 *   → alert rules → TempRangeAlert (Avro), keyed by device id
 *   → (stateful) episodes per device → TempAlertEpisode (Avro), store `alert-episodes`
 *   → (stateful) silent devices by the wall clock → DeviceSilence (Avro), store `device-last-seen`
 *   → (stateful, with a rollup sink) one-minute windows per device by reading time → `temperature_minute`
 * Undecodable or invalid readings go to each input's own DLQ (`dlqTopicFor`), declared on its source.
 */
export function buildTemperatureTopology(options: TemperatureTopologyOptions): Topology {
  checkLimits(options, 'buildTemperatureTopology');
  const rules = checkRuleList(options.rules ?? defaultRules(options, options.readingWindow));
  const constraints = constraintsOf(rules);
  const alertRules = alertRulesOf(rules);
  const alertSerde = avroRegistrySerde<TempRangeAlert>({ registry: options.registry, schema: tempRangeAlertSchema as avro.Schema });
  const builder = new TopologyBuilder();
  const stateful = options.stateful ?? true;
  const episodeSettings: EpisodeSettings = checkEpisodeSettings(
    { minTemp: options.minTemp, maxTemp: options.maxTemp, hysteresis: options.hysteresisF ?? DEFAULT_HYSTERESIS_F },
    'buildTemperatureTopology',
  );
  const silenceMs = checkSilenceMs(options.silenceMs ?? DEFAULT_SILENCE_MS, 'buildTemperatureTopology');
  const minutes = TimeWindows.of(ROLLUP_WINDOW_MS).grace(options.rollupGraceMs ?? DEFAULT_ROLLUP_GRACE_MS);
  const episodeSerde = avroRegistrySerde<TempAlertEpisode>({ registry: options.registry, schema: tempAlertEpisodeSchema as avro.Schema });
  const silenceSerde = avroRegistrySerde<DeviceSilence>({ registry: options.registry, schema: deviceSilenceSchema as avro.Schema });
  if (stateful) builder.addStateStore(episodeStoreSpec()).addStateStore(silenceStoreSpec());
  let firstInput = true;

  const wire = (label: string, topic: string, valueSerde: Deserializer<TemperatureReading>) => {
    const valid = builder
      .stream<string | null, TemperatureReading>(topic, { key: stringSerde, value: valueSerde }, { name: `read-${label}`, dlqTopic: dlqTopicFor(topic) })
      .validate((record) => findViolation(constraints, factsOf(record.value, record.timestamp)), `check-constraints-${label}`);
    valid.sink(options.mysqlSink, { name: `store-readings-${label}`, batching: options.batching });
    // Kafka Streams' split(): readings that raise an alert take the out-of-range branch; the rest
    // end here (they are already on their way to the sink).
    const { 'out-of-range': outOfRange } = valid
      .split(`route-by-range-${label}`)
      .branch('out-of-range', (record) => raisesAlert(alertRules, factsOf(record.value)))
      .defaultBranch('in-range');
    outOfRange!
      .flatMap((record) => {
        const facts = factsOf(record.value);
        return raiseAlerts(alertRules, facts).map((raised) => ({ key: facts.reading.deviceId, value: toTempRangeAlert(raised, facts, record.source) }));
      }, `raise-alerts-${label}`)
      .to(TOPICS.alerts, { key: stringSerde, value: alertSerde }, { name: `send-alerts-${label}` });
    if (!stateful) return;
    // Both inputs feed the same stores: a task holds partition p of every input, so a device keyed
    // alike on both keeps one state.
    valid
      .process(() => new EpisodeProcessor(episodeSettings), { name: `track-episodes-${label}`, stores: [EPISODE_STORE] })
      .to(TOPICS.episodes, { key: stringSerde, value: episodeSerde }, { name: `send-episodes-${label}` });
    const checks = firstInput;
    valid
      .process(() => new SilenceProcessor({ silenceMs, checks }), { name: `watch-silence-${label}`, stores: [SILENCE_STORE] })
      .to(TOPICS.silence, { key: stringSerde, value: silenceSerde }, { name: `send-silence-${label}` });
    firstInput = false;
    if (options.rollupSink) wireRollups(label, valid, options.rollupSink);
  };

  /**
   * Windows by reading time (the record's timestamp becomes it), keyed by device id. The key is the
   * input's own key for readings produced as devices do (keyed by device id), which groupByKey needs:
   * state is per input partition. The wall clock moves a quiet partition's windows to their close.
   */
  const wireRollups = (label: string, valid: KStream<string | null, TemperatureReading>, sink: RollupWriter) => {
    valid
      .map((r) => ({ key: r.value.deviceId, value: toFahrenheit(r.value), timestamp: r.value.readingTime }), `time-by-reading-${label}`)
      .groupByKey()
      .windowedBy(minutes)
      .aggregate<MinuteAggregate>(emptyAggregate, (_device, fahrenheit, aggregate) => addReading(aggregate, fahrenheit), {
        name: `minute-rollups-${label}`,
        keySerde: requiredStringSerde,
        valueSerde: minuteAggregateSerde(),
        emit: 'on-window-close',
        wallClockAdvanceMs: ROLLUP_WALL_CLOCK_CHECK_MS,
      })
      .toStream()
      .mapValues(toMinuteRollup, `finish-rollups-${label}`)
      .sink(sink, { name: `store-rollups-${label}`, batching: options.batching });
  };

  wire('avro', TOPICS.readings, avroRegistrySerde<TemperatureReading>({ registry: options.registry, schema: temperatureReadingSchema as avro.Schema }));
  if (options.jsonInput) wire('json', TOPICS.readingsJson, jsonAvroSerde<TemperatureReading>(temperatureReadingSchema as avro.Schema));
  return builder.build();
}
