/**
 * TypeScript shapes of the Avro records in this folder. `types.test.ts` proves they agree with the
 * .avsc files: at compile time (field lists below cover every key) and at run time (the lists equal
 * the schemas' fields, and typed samples validate).
 */

/** The enum's symbols. UNKNOWN stands for a writer's symbol this reader does not know: never a measured unit. */
export const TEMPERATURE_UNITS = ['FAHRENHEIT', 'CELSIUS', 'UNKNOWN'] as const;
export type TemperatureUnit = (typeof TEMPERATURE_UNITS)[number];

/** The units a temperature can be read in: every symbol but UNKNOWN. */
export const MEASURED_UNITS = ['FAHRENHEIT', 'CELSIUS'] as const satisfies readonly TemperatureUnit[];
export type MeasuredUnit = (typeof MEASURED_UNITS)[number];
export const isMeasuredUnit = (unit: string): unit is MeasuredUnit => (MEASURED_UNITS as readonly string[]).includes(unit);

export const ALERT_DIRECTIONS = ['HIGH', 'LOW'] as const;
export type AlertDirection = (typeof ALERT_DIRECTIONS)[number];

/** io.tempstream.TemperatureReading */
export interface TemperatureReading {
  readonly deviceId: string;
  /** Epoch milliseconds UTC (Avro long, logicalType timestamp-millis, decoded as a number). */
  readonly readingTime: number;
  /** In `unit`. May be NaN or infinite on the wire: the rules, not the schema, reject those. */
  readonly temperature: number;
  readonly unit: TemperatureUnit;
}

/** io.tempstream.TempRangeAlert: all temperatures but `reading.temperature` are degrees Fahrenheit. */
export interface TempRangeAlert {
  readonly reading: TemperatureReading;
  readonly rule: string;
  readonly direction: AlertDirection;
  readonly temperatureFahrenheit: number;
  readonly bound: number;
  readonly minTemp: number;
  readonly maxTemp: number;
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  /** Decimal string: Kafka offsets are int64. */
  readonly sourceOffset: string;
}

/** Field names in schema order; `types.test.ts` checks them against the .avsc and against the interfaces. */
export const TEMPERATURE_READING_FIELDS = ['deviceId', 'readingTime', 'temperature', 'unit'] as const satisfies readonly (keyof TemperatureReading)[];

export const TEMP_RANGE_ALERT_FIELDS = [
  'reading',
  'rule',
  'direction',
  'temperatureFahrenheit',
  'bound',
  'minTemp',
  'maxTemp',
  'sourceTopic',
  'sourcePartition',
  'sourceOffset',
] as const satisfies readonly (keyof TempRangeAlert)[];

export const EPISODE_EVENTS = ['OPENED', 'RESOLVED'] as const;
export type EpisodeEvent = (typeof EPISODE_EVENTS)[number];

/** io.tempstream.TempAlertEpisode: temperatures in degrees Fahrenheit, times epoch milliseconds UTC. */
export interface TempAlertEpisode {
  /** `<deviceId>/<openedAt>/<direction>`: one per episode, whatever event. */
  readonly episodeId: string;
  readonly deviceId: string;
  readonly event: EpisodeEvent;
  readonly direction: AlertDirection;
  readonly openedAt: number;
  readonly resolvedAt: number | null;
  readonly firstTemperatureF: number;
  readonly peakTemperatureF: number;
  readonly lastTemperatureF: number;
  readonly readings: number;
  readonly durationMs: number;
  readonly minTemp: number;
  readonly maxTemp: number;
  readonly hysteresis: number;
}

export const TEMP_ALERT_EPISODE_FIELDS = [
  'episodeId',
  'deviceId',
  'event',
  'direction',
  'openedAt',
  'resolvedAt',
  'firstTemperatureF',
  'peakTemperatureF',
  'lastTemperatureF',
  'readings',
  'durationMs',
  'minTemp',
  'maxTemp',
  'hysteresis',
] as const satisfies readonly (keyof TempAlertEpisode)[];

export const SILENCE_EVENTS = ['SILENT', 'BACK'] as const;
export type SilenceEvent = (typeof SILENCE_EVENTS)[number];

/** io.tempstream.DeviceSilence: times are the pipeline's wall clock, epoch milliseconds UTC. */
export interface DeviceSilence {
  readonly deviceId: string;
  readonly event: SilenceEvent;
  readonly lastSeenAt: number;
  readonly detectedAt: number;
  readonly silenceMs: number;
}

export const DEVICE_SILENCE_FIELDS = ['deviceId', 'event', 'lastSeenAt', 'detectedAt', 'silenceMs'] as const satisfies readonly (keyof DeviceSilence)[];
