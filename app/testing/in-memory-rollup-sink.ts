import type { BatchOutcome, BatchWriter, StreamRecord } from '../../topology/index.js';
import type { DeviceWindow, MinuteRollup } from '../rollups/minute-rollup.js';

/** A row of table `temperature_minute`, as tests talk about it (times in epoch ms). */
export interface RollupRow {
  readonly deviceId: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly readings: number;
  readonly minF: number;
  readonly maxF: number;
  readonly meanF: number;
}

/**
 * Table `temperature_minute` in memory, for the test kit and the in-memory features: unique by device
 * and window start, the first row stays (as INSERT IGNORE does). The MySQL writer lives in sinks/.
 */
export class InMemoryRollupSink implements BatchWriter<StreamRecord<DeviceWindow, MinuteRollup>> {
  readonly name = 'memory-temperature-minute';
  private readonly table = new Map<string, RollupRow>();

  /** Rows in the order they were first stored. */
  get rows(): readonly RollupRow[] {
    return [...this.table.values()];
  }

  write(batch: readonly StreamRecord<DeviceWindow, MinuteRollup>[]): Promise<BatchOutcome> {
    for (const { key, value } of batch) {
      const identity = `${key.key}\u0000${key.window.start}`;
      if (this.table.has(identity)) continue;
      this.table.set(identity, {
        deviceId: key.key,
        windowStart: key.window.start,
        windowEnd: key.window.end,
        readings: value.count,
        minF: value.min,
        maxF: value.max,
        meanF: value.mean,
      });
    }
    return Promise.resolve({});
  }
}
