import type { TemperatureReading, TempRangeAlert } from '../../schemas/index.js';

/** What a scenario configures before the first reading. */
export interface PipelineConfig {
  /** °F */
  readonly minTemp: number;
  /** °F */
  readonly maxTemp: number;
}

/** A row of table `temperature`, as a scenario talks about it. */
export interface StoredReading {
  readonly deviceId: string;
  /** Epoch millis UTC. */
  readonly readingTime: number;
  readonly temperature: number;
  readonly unit: string;
}

export interface DeadLetter {
  /** The DLQ topic it landed in. */
  readonly topic: string;
  readonly sourceTopic: string | undefined;
  /** deserialization, validation, processing, sink or production. */
  readonly errorClass: string | undefined;
  /** The broken rule's name, for validation errors. */
  readonly rule: string | undefined;
  readonly message: string | undefined;
}

/**
 * The temperature pipeline as scenarios see it, whatever runs it: the in-memory TopologyTestDriver
 * (default), or Kafka + schema registry + MySQL for @integration scenarios. Every query reflects all
 * records sent before it: an implementation waits until the pipeline has handled them.
 */
export interface PipelineUnderTest {
  /** Produces the reading to `temperature-readings`, Avro via the registry, keyed by device id. */
  sendReading(reading: TemperatureReading): Promise<void>;
  /** Produces bytes as they are to `temperature-readings`. */
  sendRawBytes(bytes: Buffer): Promise<void>;
  /** Every TempRangeAlert produced since the pipeline started. */
  alerts(): Promise<TempRangeAlert[]>;
  /** Every dead letter of `temperature-readings`. */
  dlq(): Promise<DeadLetter[]>;
  /** Every row of table `temperature`. */
  storedRows(): Promise<StoredReading[]>;
  close(): Promise<void>;
}

export type PipelineFactory = (config: PipelineConfig) => Promise<PipelineUnderTest>;
