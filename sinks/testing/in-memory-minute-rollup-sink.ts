import type { BatchOutcome, BatchWriter } from '../../topology/index.js';
import { MinuteRollupTally, type MinuteRollupCounters } from '../minute-rollup-counters.js';
import { minuteRollupIdentity, type MinuteRollupRecord, type MinuteRollupRow } from '../minute-rollup-row.js';
import { splitStorableRollups } from '../split-storable-rollups.js';

/**
 * Table `temperature_minute` in memory, for tests and the in-memory features: the same row mapping,
 * the same refusals and the same UNIQUE(device_id, window_start) as the MySQL sink (the first row stays).
 */
export class InMemoryMinuteRollupSink implements BatchWriter<MinuteRollupRecord> {
  readonly name = 'memory-temperature-minute';
  private readonly tally = new MinuteRollupTally();
  private readonly table = new Map<string, MinuteRollupRow>();

  get counters(): MinuteRollupCounters {
    return this.tally.snapshot;
  }

  /** Rows in insertion order. */
  get rows(): readonly MinuteRollupRow[] {
    return [...this.table.values()];
  }

  write(batch: readonly MinuteRollupRecord[]): Promise<BatchOutcome> {
    const { rows, rejected } = splitStorableRollups(this.name, batch);
    let inserted = 0;
    for (const row of rows) {
      const identity = minuteRollupIdentity(row);
      if (this.table.has(identity)) continue;
      this.table.set(identity, row);
      inserted++;
    }
    if (rows.length > 0) this.tally.add({ stored: inserted, alreadyPresent: rows.length - inserted, batches: 1 });
    this.tally.add({ rejected: rejected.size });
    return Promise.resolve({ rejected });
  }
}
