import { SinkError, type TopologyError } from '../topology/index.js';
import { minuteRollupProblems, toMinuteRollupRow, type MinuteRollupRecord, type MinuteRollupRow } from './minute-rollup-row.js';

export interface SplitRollups {
  readonly rows: MinuteRollupRow[];
  /** The batch index of each row. */
  readonly rowIndices: number[];
  /** By index in the batch, as `BatchOutcome.rejected` wants them. */
  readonly rejected: Map<number, TopologyError>;
}

/** Separates the rollups the table can hold from those it cannot, refused on their own. */
export function splitStorableRollups(sinkName: string, batch: readonly MinuteRollupRecord[]): SplitRollups {
  const rows: MinuteRollupRow[] = [];
  const rowIndices: number[] = [];
  const rejected = new Map<number, TopologyError>();
  batch.forEach((record, index) => {
    const problems = minuteRollupProblems(record.key, record.value);
    if (problems.length > 0) rejected.set(index, new SinkError(`${sinkName}: cannot store rollup: ${problems.join('; ')}`, false));
    else {
      rows.push(toMinuteRollupRow(record.key, record.value));
      rowIndices.push(index);
    }
  });
  return { rows, rowIndices, rejected };
}
