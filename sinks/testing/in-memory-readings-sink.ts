import type { TemperatureReading } from '../../schemas/index.js';
import type { BatchOutcome, BatchWriter, StreamRecord } from '../../topology/index.js';
import { ReadingsTally, type ReadingsSinkCounters } from '../readings-sink-counters.js';
import { splitStorable } from '../split-storable.js';
import { temperatureRowIdentity, type TemperatureRow } from '../temperature-row.js';

/**
 * Table `temperature` in memory, for tests and the default cucumber world: the same row mapping, the
 * same refusals and the same UNIQUE(device_id, reading_time) as the MySQL sink.
 */
export class InMemoryReadingsSink implements BatchWriter<StreamRecord<string | null, TemperatureReading>> {
  readonly name = 'memory-temperature';
  private readonly tally = new ReadingsTally();
  private readonly table = new Map<string, TemperatureRow>();

  constructor(private readonly now: () => number = Date.now) {}

  get counters(): ReadingsSinkCounters {
    return this.tally.snapshot;
  }

  /** Rows in insertion order. */
  get rows(): readonly TemperatureRow[] {
    return [...this.table.values()];
  }

  write(batch: readonly StreamRecord<string | null, TemperatureReading>[]): Promise<BatchOutcome> {
    const { rows, rejected } = splitStorable(this.name, batch, this.now());
    let inserted = 0;
    for (const row of rows) {
      const identity = temperatureRowIdentity(row);
      if (this.table.has(identity)) continue;
      this.table.set(identity, row);
      inserted++;
    }
    if (rows.length > 0) this.tally.add({ stored: inserted, alreadyPresent: rows.length - inserted, batches: 1 });
    this.tally.add({ rejected: rejected.size });
    return Promise.resolve({ rejected });
  }
}
