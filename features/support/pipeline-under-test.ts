import type { ReadingWindow } from '../../app/rules/index.js';
import type { DeviceSilence, TemperatureReading, TempAlertEpisode, TempRangeAlert } from '../../schemas/index.js';

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
  /** °F back inside a limit that resolves an episode; the pipeline's default when not given. */
  readonly hysteresisF?: number;
  /** Wall-clock ms without a reading before a device is reported silent; the pipeline's default when not given. */
  readonly silenceMs?: number;
}

/** A row of table `temperature_minute`, as a scenario talks about it. */
export interface MinuteRollupRow {
  readonly deviceId: string;
  /** Epoch millis UTC. */
  readonly windowStart: number;
  readonly readings: number;
  readonly minF: number;
  readonly maxF: number;
  readonly meanF: number;
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
  /** Every TempAlertEpisode event (OPENED, RESOLVED) since the pipeline started (in memory only so far). */
  episodes?(): Promise<TempAlertEpisode[]>;
  /** Every DeviceSilence event (SILENT, BACK) since the pipeline started (in memory only so far). */
  silences?(): Promise<DeviceSilence[]>;
  /** Every row of table `temperature_minute` (in memory only so far). */
  rollups?(): Promise<MinuteRollupRow[]>;
  /** Lets the pipeline's wall clock move on by `ms` with no reading (in memory only: the stack's clock is real). */
  letTimePass?(ms: number): Promise<void>;
  close(): Promise<void>;
}

export type PipelineFactory = (config: PipelineConfig) => Promise<PipelineUnderTest>;
