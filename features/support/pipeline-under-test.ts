import type { ReadingWindow } from '../../app/rules/index.js';
import type { TemperatureReading, TempRangeAlert } from '../../schemas/index.js';

/**
 * The scenarios' readings carry fixed 2026 dates while the stack's Kafka stamps them with today, so
 * they run with a 10-year window each way: wide enough for their dates, and January 1970 (a device
 * sending epoch seconds) is still refused as `reading-time-plausible`.
 */
export const SCENARIO_READING_WINDOW: ReadingWindow = { maxAgeMs: 3650 * 86_400_000, maxFutureMs: 3650 * 86_400_000 };

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

/** A record as it went onto the input topic: the bytes a dead letter must give back unchanged. */
export interface SentMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

export interface DeadLetter extends SentMessage {
  /** The DLQ topic it was read from: the one the pipeline's configuration names, never assumed. */
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
  /** Produces the reading to `temperature-readings`, Avro via the registry, keyed by device id; returns what was sent. */
  sendReading(reading: TemperatureReading): Promise<SentMessage>;
  /** Produces bytes as they are to `temperature-readings`; returns what was sent (with the key the pipeline chose). */
  sendRawBytes(bytes: Buffer): Promise<SentMessage>;
  /** Produces a JSON value to `temperature-readings-json` (in memory only so far: the stack runner reads no JSON). */
  sendJson?(value: unknown): Promise<void>;
  /** Every TempRangeAlert produced since the pipeline started. */
  alerts(): Promise<TempRangeAlert[]>;
  /** Every dead letter of `temperature-readings`, with its key and value bytes as the DLQ holds them. */
  dlq(): Promise<DeadLetter[]>;
  /** Every row of table `temperature`. */
  storedRows(): Promise<StoredReading[]>;
  close(): Promise<void>;
}

export type PipelineFactory = (config: PipelineConfig) => Promise<PipelineUnderTest>;
