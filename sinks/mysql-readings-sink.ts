import type { Knex } from 'knex';
import type { TemperatureReading } from '../schemas/index.js';
import type { BatchOutcome, BatchWriter, StreamRecord, TopologyError } from '../topology/index.js';
import { deleteContradictedAlerts, findConflicts } from './conflicting-readings.js';
import { insertIgnoreCounting, type InsertCount } from './insert-ignore.js';
import { isLocalInfileRefused, loadDataIgnoreCounting } from './load-data.js';
import { isTransientMysqlError } from './mysql-errors.js';
import { ReadingsTally, type ReadingsSinkCounters } from './readings-sink-counters.js';
import { preparedInsertIgnoreCounting } from './prepared-insert.js';
import { splitStorable } from './split-storable.js';
import type { SqlValue } from './sql.js';
import { TEMPERATURE_COLUMNS, TEMPERATURE_TABLE, type TemperatureRow } from './temperature-row.js';

export interface MysqlReadingsSinkOptions {
  readonly table?: string;
  /** Epoch millis for `received_at`; the system clock by default. */
  readonly now?: () => number;
  /** How rows reach the server (docs/benchmarks.md compares them); all three keep the same guarantees. */
  readonly sqlPath?: SqlPath;
}

/**
 * `inline`: multi-row INSERT IGNORE text with values escaped by mysql2; `prepared`: the same statements
 * prepared once per size and connection, values bound in the binary protocol; `load-data`: LOAD DATA
 * LOCAL INFILE … IGNORE from an in-memory stream (needs local_infile on the server).
 */
export const SQL_PATHS = ['inline', 'prepared', 'load-data'] as const;
export type SqlPath = (typeof SQL_PATHS)[number];

/**
 * The path a sink takes unless told otherwise: LOAD DATA costs MariaDB about a third less CPU per row
 * than either INSERT (docs/benchmarks.md). A server that refuses LOCAL INFILE gets `inline` instead.
 */
export const DEFAULT_SQL_PATH: SqlPath = 'load-data';
const FALLBACK_SQL_PATH: SqlPath = 'inline';

type RowInserter = <C extends string>(
  trx: Knex.Transaction,
  table: string,
  columns: readonly C[],
  rows: readonly Readonly<Record<C, SqlValue>>[],
) => Promise<InsertCount>;

const INSERTERS: Readonly<Record<SqlPath, RowInserter>> = {
  inline: insertIgnoreCounting,
  prepared: preparedInsertIgnoreCounting,
  'load-data': loadDataIgnoreCounting,
};

/**
 * Stores readings in table `temperature`, idempotently: a batch is one transaction of LOAD DATA …
 * IGNORE (or multi-row INSERT IGNOREs, see SqlPath) on UNIQUE(device_id, reading_time), so a redelivered reading is counted as already
 * present, not stored twice. A reading with the key of a stored row but other values is refused as
 * `conflicting-duplicate` (the first one stays), and the alerts the row contradicts are deleted in the
 * same transaction (conflicting-readings.ts). Works on MySQL 8 and MariaDB 10.6+.
 */
export class MysqlReadingsSink implements BatchWriter<StreamRecord<string | null, TemperatureReading>> {
  readonly name = 'mysql-temperature';
  private readonly tally = new ReadingsTally();
  private readonly table: string;
  private readonly now: () => number;
  private path: SqlPath;

  constructor(
    private readonly knex: Knex,
    options: MysqlReadingsSinkOptions = {},
  ) {
    this.table = options.table ?? TEMPERATURE_TABLE;
    this.now = options.now ?? Date.now;
    this.path = options.sqlPath ?? DEFAULT_SQL_PATH;
  }

  /** The path rows take now: `load-data` turns into `inline` when the server refuses LOCAL INFILE. */
  get sqlPath(): SqlPath {
    return this.path;
  }

  get counters(): ReadingsSinkCounters {
    return this.tally.snapshot;
  }

  async write(batch: readonly StreamRecord<string | null, TemperatureReading>[]): Promise<BatchOutcome> {
    const { rows, rowIndices, rejected: unstorable } = splitStorable(this.name, batch, this.now());
    const rejected = new Map<number, TopologyError>(unstorable);
    if (rows.length > 0) {
      const { count, conflicts } = await this.store(rows).catch((error: unknown) => {
        if (this.path !== 'load-data' || !isLocalInfileRefused(error)) throw error;
        // local_infile is off (MySQL 8's default): text inserts from now on, with the same guarantees.
        // The refused statement changed nothing and its transaction rolled back.
        this.path = FALLBACK_SQL_PATH;
        return this.store(rows);
      });
      // Counted only once committed: a rolled-back attempt is retried and must not count twice.
      this.tally.add({ stored: count.inserted, alreadyPresent: count.alreadyPresent - conflicts.size, conflicting: conflicts.size, batches: 1 });
      for (const [i, error] of conflicts) rejected.set(rowIndices[i]!, error);
    }
    this.tally.add({ rejected: unstorable.size });
    return { rejected };
  }

  /** One transaction: the rows, then, only if some were there already, the conflicts among them. */
  private store(rows: readonly TemperatureRow[]): Promise<{ count: InsertCount; conflicts: Map<number, TopologyError> }> {
    const insert = INSERTERS[this.path];
    return this.knex.transaction(async (trx) => {
      const count = await insert(trx, this.table, TEMPERATURE_COLUMNS, rows);
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
  }

  isTransient(error: unknown): boolean {
    return isTransientMysqlError(error);
  }

  /** Roughly the row's bytes on the wire: fixed columns plus the id and topic. */
  sizeOf(record: StreamRecord<string | null, TemperatureReading>): number {
    return 96 + record.value.deviceId.length + record.source.topic.length;
  }
}
