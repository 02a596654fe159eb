import type avro from 'avsc';
import { avroRegistrySerde, stringSerde, type AvroRegistrySerde, type SourcePosition } from '../../topology/index.js';
import { TopologyTestDriver } from '../../topology/testing/index.js';
import { InMemorySchemaRegistry } from '../../schemas/testing/index.js';
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
} from '../../schemas/index.js';
import { InMemoryMinuteRollupSink, InMemoryReadingsSink } from '../../sinks/testing/index.js';
import type { ReadingWindow, Rule } from '../rules/index.js';
import { buildTemperatureTopology } from '../topology.js';
import { fromMysqlDatetime } from '../../sinks/index.js';

/** topology/index.ts does not export the driver's options type. */
type TestDriverOptions = NonNullable<ConstructorParameters<typeof TopologyTestDriver>[1]>;

export interface TemperatureTestKitOptions {
  readonly minTemp?: number;
  readonly maxTemp?: number;
  readonly rules?: readonly Rule[];
  /** Judge reading times against when their records were sent (the driver's clock by default). */
  readonly readingWindow?: ReadingWindow;
  readonly jsonInput?: boolean;
  readonly driver?: TestDriverOptions;
  /** Episodes, silence and rollups; default true, as in the app. */
  readonly stateful?: boolean;
  readonly hysteresisF?: number;
  readonly silenceMs?: number;
  readonly rollupGraceMs?: number;
}

/** A row of table `temperature_minute`, as tests talk about it. */
export interface RollupRow {
  readonly deviceId: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly readings: number;
  readonly minF: number;
  readonly maxF: number;
  readonly meanF: number;
}

export interface DeadLetterView {
  /** The topic it was dead-lettered to. */
  readonly topic: string;
  readonly sourceTopic: string | undefined;
  readonly errorClass: string | undefined;
  readonly rule: string | undefined;
  readonly message: string | undefined;
  /** The original key and value bytes, untouched. */
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/**
 * The temperature topology in a TopologyTestDriver, with an in-memory registry and readings table:
 * send readings as a device would, read alerts, dead letters and stored rows. For unit tests and the
 * default cucumber world.
 */
export class TemperatureTestKit {
  readonly registry = InMemorySchemaRegistry.withPipelineSchemas();
  readonly sink: InMemoryReadingsSink;
  /** Table `temperature_minute`. */
  readonly rollupSink = new InMemoryMinuteRollupSink();
  readonly driver: TopologyTestDriver;
  readonly readingSerde: AvroRegistrySerde<TemperatureReading>;
  private readonly alertSerde: AvroRegistrySerde<TempRangeAlert>;
  private readonly episodeSerde: AvroRegistrySerde<TempAlertEpisode>;
  private readonly silenceSerde: AvroRegistrySerde<DeviceSilence>;

  constructor(options: TemperatureTestKitOptions = {}) {
    let clock: () => number = () => 0;
    this.sink = new InMemoryReadingsSink(() => clock());
    const topology = buildTemperatureTopology({
      registry: this.registry,
      minTemp: options.minTemp ?? 40,
      maxTemp: options.maxTemp ?? 120,
      rules: options.rules,
      readingWindow: options.readingWindow,
      mysqlSink: this.sink,
      jsonInput: options.jsonInput,
      stateful: options.stateful,
      hysteresisF: options.hysteresisF,
      silenceMs: options.silenceMs,
      rollupSink: this.rollupSink,
      rollupGraceMs: options.rollupGraceMs,
    });
    this.driver = new TopologyTestDriver(topology, options.driver);
    clock = () => this.driver.clock.now();
    this.readingSerde = avroRegistrySerde<TemperatureReading>({ registry: this.registry, schema: temperatureReadingSchema as avro.Schema });
    this.alertSerde = avroRegistrySerde<TempRangeAlert>({ registry: this.registry, schema: tempRangeAlertSchema as avro.Schema });
    this.episodeSerde = avroRegistrySerde<TempAlertEpisode>({ registry: this.registry, schema: tempAlertEpisodeSchema as avro.Schema });
    this.silenceSerde = avroRegistrySerde<DeviceSilence>({ registry: this.registry, schema: deviceSilenceSchema as avro.Schema });
  }

  /** Avro in the Confluent wire format, keyed by device id, as a device's producer sends it. */
  sendReading(reading: TemperatureReading): Promise<SourcePosition> {
    return this.driver.inputTopic(TOPICS.readings, stringSerde, this.readingSerde).pipe(reading.deviceId, reading);
  }

  /** Any JSON to the JSON input (needs `jsonInput`): what a device that cannot speak Avro sends. */
  sendJson(value: unknown, key: string | null = null): Promise<SourcePosition> {
    return this.driver.pipeRaw(TOPICS.readingsJson, key === null ? null : Buffer.from(key), Buffer.from(JSON.stringify(value)));
  }

  /** Bytes as they are, to any input topic. */
  sendRaw(value: Buffer | null, topic: string = TOPICS.readings): Promise<SourcePosition> {
    return this.driver.pipeRaw(topic, null, value);
  }

  /** Every alert produced so far, decoded, with its key. */
  async alerts(): Promise<{ key: string | null; value: TempRangeAlert }[]> {
    const out: { key: string | null; value: TempRangeAlert }[] = [];
    for (const m of this.driver.messages(TOPICS.alerts)) {
      out.push({ key: m.key === null ? null : m.key.toString('utf8'), value: await this.alertSerde.deserialize(m.value, TOPICS.alerts) });
    }
    return out;
  }

  /** Every TempAlertEpisode event produced so far, decoded, with its key. */
  episodes(): Promise<{ key: string | null; value: TempAlertEpisode }[]> {
    return this.decode(TOPICS.episodes, this.episodeSerde);
  }

  /** Every DeviceSilence event produced so far, decoded, with its key. */
  silences(): Promise<{ key: string | null; value: DeviceSilence }[]> {
    return this.decode(TOPICS.silence, this.silenceSerde);
  }

  /** The rows of table `temperature_minute`, times as epoch ms. */
  rollups(): RollupRow[] {
    return this.rollupSink.rows.map((r) => ({
      deviceId: r.device_id,
      windowStart: fromMysqlDatetime(r.window_start),
      windowEnd: fromMysqlDatetime(r.window_end),
      readings: r.readings,
      minF: r.min_f,
      maxF: r.max_f,
      meanF: r.mean_f,
    }));
  }

  /** Lets wall-clock time pass with no reading: silence checks and wall-clock window closing run. */
  async advanceWallClockTime(ms: number): Promise<void> {
    await this.driver.advanceWallClockTime(ms);
    await this.driver.flush();
  }

  private async decode<T>(topic: string, serde: AvroRegistrySerde<T>): Promise<{ key: string | null; value: T }[]> {
    const out: { key: string | null; value: T }[] = [];
    for (const m of this.driver.messages(topic))
      out.push({ key: m.key === null ? null : m.key.toString('utf8'), value: await serde.deserialize(m.value, topic) });
    return out;
  }

  /** Dead letters of one input topic (default: the Avro readings). */
  deadLetters(sourceTopic: string = TOPICS.readings): DeadLetterView[] {
    const topic = dlqTopicFor(sourceTopic);
    return this.driver.deadLetters(sourceTopic, topic).map((d) => ({
      topic,
      sourceTopic: d.reason.sourceTopic,
      errorClass: d.reason.errorClass,
      rule: d.reason.rule,
      message: d.reason.errorMessage,
      key: d.key,
      value: d.value,
    }));
  }

  close(): void {
    this.driver.close();
  }
}
