import type { Knex } from 'knex';
import type { TemperatureReading } from '../schemas/index.js';
import type { BatchOutcome, BatchWriter, StreamRecord, TopologyError } from '../topology/index.js';
import { deleteContradictedAlerts, findConflicts } from './conflicting-readings.js';
import { insertIgnoreCounting } from './insert-ignore.js';
import { isTransientMysqlError } from './mysql-errors.js';
import { ReadingsTally, type ReadingsSinkCounters } from './readings-sink-counters.js';
import { splitStorable } from './split-storable.js';
import { TEMPERATURE_COLUMNS, TEMPERATURE_TABLE } from './temperature-row.js';

export interface MysqlReadingsSinkOptions {
  readonly table?: string;
  /** Epoch millis for `received_at`; the system clock by default. */
  readonly now?: () => number;
}

/**
 * Stores readings in table `temperature`, idempotently: a batch is one transaction of multi-row
 * INSERT IGNOREs on UNIQUE(device_id, reading_time), so a redelivered reading is counted as already
 * present, not stored twice. A reading with the key of a stored row but other values is refused as
 * `conflicting-duplicate` (the first one stays), and the alerts the row contradicts are deleted in the
 * same transaction (conflicting-readings.ts). Works on MySQL 8 and MariaDB 10.6+.
 */
export class MysqlReadingsSink implements BatchWriter<StreamRecord<string | null, TemperatureReading>> {
  readonly name = 'mysql-temperature';
  private readonly tally = new ReadingsTally();
  private readonly table: string;
  private readonly now: () => number;

  constructor(
    private readonly knex: Knex,
    options: MysqlReadingsSinkOptions = {},
  ) {
    this.table = options.table ?? TEMPERATURE_TABLE;
    this.now = options.now ?? Date.now;
  }

  get counters(): ReadingsSinkCounters {
    return this.tally.snapshot;
  }

  async write(batch: readonly StreamRecord<string | null, TemperatureReading>[]): Promise<BatchOutcome> {
    const { rows, rowIndices, rejected: unstorable } = splitStorable(this.name, batch, this.now());
    const rejected = new Map<number, TopologyError>(unstorable);
    if (rows.length > 0) {
      const { count, conflicts } = await this.knex.transaction(async (trx) => {
        const count = await insertIgnoreCounting(trx, this.table, TEMPERATURE_COLUMNS, rows);
        // Only a skipped row can conflict: the common batch, all new, costs no lookup.
        const conflicts = count.alreadyPresent > 0 ? await findConflicts(trx, this.table, rows) : new Map<number, TopologyError>();
        if (conflicts.size > 0)
          await deleteContradictedAlerts(
            trx,
            this.table,
            [...conflicts.keys()].map((i) => rows[i]!),
          );
        return { count, conflicts };
      });
      // Counted only once committed: a rolled-back attempt is retried and must not count twice.
      this.tally.add({ stored: count.inserted, alreadyPresent: count.alreadyPresent - conflicts.size, conflicting: conflicts.size, batches: 1 });
      for (const [i, error] of conflicts) rejected.set(rowIndices[i]!, error);
    }
    this.tally.add({ rejected: unstorable.size });
    return { rejected };
  }

  isTransient(error: unknown): boolean {
    return isTransientMysqlError(error);
  }

  /** Roughly the row's bytes on the wire: fixed columns plus the id and topic. */
  sizeOf(record: StreamRecord<string | null, TemperatureReading>): number {
    return 96 + record.value.deviceId.length + record.source.topic.length;
  }
}
