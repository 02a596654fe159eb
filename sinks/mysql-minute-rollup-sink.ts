import type { Knex } from 'knex';
import type { BatchOutcome, BatchWriter } from '../topology/index.js';
import { insertIgnoreCounting } from './insert-ignore.js';
import { MinuteRollupTally, type MinuteRollupCounters } from './minute-rollup-counters.js';
import { MINUTE_ROLLUP_COLUMNS, MINUTE_ROLLUP_TABLE, type MinuteRollupRecord } from './minute-rollup-row.js';
import { isTransientMysqlError } from './mysql-errors.js';
import { splitStorableRollups } from './split-storable-rollups.js';

export interface MysqlMinuteRollupSinkOptions {
  readonly table?: string;
}

/**
 * Stores closed one-minute windows in table `temperature_minute`, one transaction of multi-row
 * INSERT IGNOREs per batch on UNIQUE(device_id, window_start). INSERT IGNORE rather than ON DUPLICATE
 * KEY UPDATE: a window is emitted once it closes, so the first row stored is the final one; a second
 * emission (a redelivery, a restart that emits again) is counted as already present and changes
 * nothing, no row is rewritten, and `affectedRows` counts new rows exactly. IGNORE's other warnings
 * (a truncated value) fail the batch (insert-ignore.ts); a rollup the table cannot hold is refused
 * alone before writing, through `BatchOutcome.rejected`.
 */
export class MysqlMinuteRollupSink implements BatchWriter<MinuteRollupRecord> {
  readonly name = 'mysql-temperature-minute';
  private readonly tally = new MinuteRollupTally();
  private readonly table: string;

  constructor(
    private readonly knex: Knex,
    options: MysqlMinuteRollupSinkOptions = {},
  ) {
    this.table = options.table ?? MINUTE_ROLLUP_TABLE;
  }

  get counters(): MinuteRollupCounters {
    return this.tally.snapshot;
  }

  async write(batch: readonly MinuteRollupRecord[]): Promise<BatchOutcome> {
    const { rows, rejected } = splitStorableRollups(this.name, batch);
    if (rows.length > 0) {
      const count = await this.knex.transaction((trx) => insertIgnoreCounting(trx, this.table, MINUTE_ROLLUP_COLUMNS, rows));
      // Counted only once committed: a rolled-back attempt is retried and must not count twice.
      this.tally.add({ stored: count.inserted, alreadyPresent: count.alreadyPresent, batches: 1 });
    }
    this.tally.add({ rejected: rejected.size });
    return { rejected };
  }

  isTransient(error: unknown): boolean {
    return isTransientMysqlError(error);
  }

  /** Roughly the row's bytes on the wire. */
  sizeOf(record: MinuteRollupRecord): number {
    return 80 + (record.key?.key.length ?? 0);
  }
}
