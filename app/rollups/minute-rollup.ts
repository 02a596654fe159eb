/**
 * Per-minute rollups: what one device's readings of one minute come to (count, min, max, mean, °F).
 * The aggregate keeps the sum, not the mean, so that adding a reading is exact bookkeeping and the
 * mean is computed once, when the window closes.
 */
import type avro from 'avsc';
import type { MinuteRollup, MinuteRollupRecord } from '../../sinks/index.js';
import { jsonSerde, type BatchWriter, type Serde, type TimeWindow } from '../../topology/index.js';
import { stateValueSerde } from '../state-value-serde.js';

export type { MinuteRollup } from '../../sinks/index.js';

/** One minute, the rollup's window size. */
export const ROLLUP_WINDOW_MS = 60_000;

/** The default grace: a reading up to 5 s late still counts in its minute. */
export const DEFAULT_ROLLUP_GRACE_MS = 5_000;

/** How often the wall clock may close a quiet partition's minutes: a device's last minute is stored at most this late. */
export const ROLLUP_WALL_CLOCK_CHECK_MS = 5_000;

/** The running aggregate of a window, kept in the window store (as Avro binary of `minuteAggregateSchema`). */
export interface MinuteAggregate {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly sum: number;
}

/** The key of a windowed aggregate: the device id and its window. */
export interface DeviceWindow {
  readonly key: string;
  readonly window: TimeWindow;
}

/** What the rollup sink (MySQL, or its in-memory twin) must be. */
export type RollupWriter = BatchWriter<MinuteRollupRecord>;

export const minuteAggregateSchema: avro.Schema = {
  type: 'record',
  name: 'MinuteAggregate',
  namespace: 'io.tempstream.state',
  fields: [
    { name: 'count', type: 'long' },
    { name: 'min', type: 'double' },
    { name: 'max', type: 'double' },
    { name: 'sum', type: 'double' },
  ],
};

/** The window store's values: Avro binary, reading the plain JSON (the aggregation's default) that versions before logged. */
export const minuteAggregateSerde = (): Serde<MinuteAggregate> => stateValueSerde<MinuteAggregate>(minuteAggregateSchema, jsonSerde<MinuteAggregate>());

/** Zeros rather than infinities: the store keeps aggregates as JSON, which has no infinity. */
export const emptyAggregate = (): MinuteAggregate => ({ count: 0, min: 0, max: 0, sum: 0 });

export function addReading(aggregate: MinuteAggregate, fahrenheit: number): MinuteAggregate {
  if (aggregate.count === 0) return { count: 1, min: fahrenheit, max: fahrenheit, sum: fahrenheit };
  return {
    count: aggregate.count + 1,
    min: Math.min(aggregate.min, fahrenheit),
    max: Math.max(aggregate.max, fahrenheit),
    sum: aggregate.sum + fahrenheit,
  };
}

export const toMinuteRollup = (aggregate: MinuteAggregate): MinuteRollup => ({
  count: aggregate.count,
  min: aggregate.min,
  max: aggregate.max,
  mean: aggregate.sum / aggregate.count,
});
