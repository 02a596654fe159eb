import type { TemperatureReading } from '../schemas/index.js';
import { SinkError, type StreamRecord, type TopologyError } from '../topology/index.js';
import { toMysqlDatetime } from './mysql-datetime.js';
import { temperatureRowProblems, toTemperatureRow, type TemperatureRow } from './temperature-row.js';

export interface SplitBatch {
  readonly rows: TemperatureRow[];
  /** The batch index of each row. */
  readonly rowIndices: number[];
  /** By index in the batch, as `BatchOutcome.rejected` wants them. */
  readonly rejected: Map<number, TopologyError>;
}

/** Separates the readings the table can hold from those it cannot, refused on their own. */
export function splitStorable(sinkName: string, batch: readonly StreamRecord<unknown, TemperatureReading>[], receivedAtMs: number): SplitBatch {
  const rows: TemperatureRow[] = [];
  const rowIndices: number[] = [];
  const rejected = new Map<number, TopologyError>();
  const receivedAt = toMysqlDatetime(receivedAtMs);
  for (let index = 0; index < batch.length; index++) {
    const record = batch[index]!;
    const problems = temperatureRowProblems(record.value);
    if (problems.length > 0) rejected.set(index, new SinkError(`${sinkName}: cannot store reading: ${problems.join('; ')}`, false));
    else {
      rows.push(toTemperatureRow(record, receivedAt));
      rowIndices.push(index);
    }
  }
  return { rows, rowIndices, rejected };
}
