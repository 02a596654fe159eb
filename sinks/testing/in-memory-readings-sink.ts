import type { TemperatureReading } from '../../schemas/index.js';
import type { BatchOutcome, BatchWriter, StreamRecord, TopologyError } from '../../topology/index.js';
import { conflictError, sameValues } from '../conflicting-readings.js';
import { ReadingsTally, type ReadingsSinkCounters } from '../readings-sink-counters.js';
import { splitStorable } from '../split-storable.js';
import { temperatureRowIdentity, type TemperatureRow } from '../temperature-row.js';

/**
 * Table `temperature` in memory, for tests and the default cucumber world: the same row mapping, the
 * same refusals (conflicting duplicates included) and the same UNIQUE(device_id, reading_time) as the MySQL sink.
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
    const { rows, rowIndices, rejected: unstorable } = splitStorable(this.name, batch, this.now());
    const rejected = new Map<number, TopologyError>(unstorable);
    let inserted = 0;
    let conflicting = 0;
    rows.forEach((row, i) => {
      const identity = temperatureRowIdentity(row);
      const kept = this.table.get(identity);
      if (!kept) {
        this.table.set(identity, row);
        inserted++;
      } else if (!sameValues(kept, row)) {
        rejected.set(rowIndices[i]!, conflictError(row, kept));
        conflicting++;
      }
    });
    if (rows.length > 0) this.tally.add({ stored: inserted, alreadyPresent: rows.length - inserted - conflicting, conflicting, batches: 1 });
    this.tally.add({ rejected: unstorable.size });
    return Promise.resolve({ rejected });
  }
}
