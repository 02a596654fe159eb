import type { Knex } from 'knex';
import type { TemperatureReading } from '../schemas/index.js';
import type { BatchOutcome, BatchWriter, StreamRecord } from '../topology/index.js';
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
 * present, not stored twice. Works on MySQL 8 and MariaDB 10.6+.
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
    const { rows, rejected } = splitStorable(this.name, batch, this.now());
    if (rows.length > 0) {
      const count = await this.knex.transaction((trx) => insertIgnoreCounting(trx, this.table, TEMPERATURE_COLUMNS, rows));
      // Counted only once committed: a rolled-back attempt is retried and must not count twice.
      this.tally.add({ stored: count.inserted, alreadyPresent: count.alreadyPresent, batches: 1 });
    }
    this.tally.add({ rejected: rejected.size });
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
