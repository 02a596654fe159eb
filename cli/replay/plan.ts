/**
 * What a replay will read, decided before reading anything: per partition, the first offset and the
 * end offset (exclusive), clamped to what the log still holds. Pure: the offsets come in, a plan goes out.
 */

export interface PartitionBounds {
  readonly partition: number;
  /** First offset still in the log (older ones were deleted by retention). */
  readonly low: bigint;
  /** High watermark: one past the last record. */
  readonly high: bigint;
}

export interface PlanInput {
  readonly topic: string;
  /** Every partition of the topic. */
  readonly bounds: readonly PartitionBounds[];
  /** Where to start, per partition to replay; partitions not listed are not replayed. */
  readonly start: ReadonlyMap<number, bigint>;
  /** Where to stop (exclusive), per partition; missing means the high watermark. */
  readonly end: ReadonlyMap<number, bigint>;
}

export interface PartitionPlan {
  readonly partition: number;
  readonly start: bigint;
  /** Exclusive. */
  readonly end: bigint;
  /** end − start: exact on a plain topic, an upper bound where compaction or transactions left gaps. */
  readonly records: number;
}

export interface ReplayPlan {
  readonly topic: string;
  /** Sorted by partition; includes partitions with nothing to read. */
  readonly partitions: readonly PartitionPlan[];
  readonly totalRecords: number;
  /** Adjustments a person should know about (offsets deleted by retention, offsets past the end). */
  readonly warnings: readonly string[];
}

export class PlanError extends Error {
  override readonly name = 'PlanError';
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

export function planReplay(input: PlanInput): ReplayPlan {
  const byPartition = new Map(input.bounds.map((b) => [b.partition, b]));
  for (const partition of input.start.keys()) {
    if (!byPartition.has(partition)) {
      const known = [...byPartition.keys()].sort((a, b) => a - b);
      throw new PlanError(`partition ${partition} does not exist in ${input.topic} (it has partitions ${known.join(', ')})`);
    }
  }
  const warnings: string[] = [];
  const partitions: PartitionPlan[] = [];
  for (const [partition, requested] of [...input.start].sort(([a], [b]) => a - b)) {
    const { low, high } = byPartition.get(partition)!;
    if (requested < low) warnings.push(`partition ${partition}: offsets before ${low} were deleted by retention; starting at ${low}`);
    if (requested > high) warnings.push(`partition ${partition}: offset ${requested} is past the end (${high}); nothing to read`);
    const start = min(max(requested, low), high);
    const end = max(start, min(input.end.get(partition) ?? high, high));
    partitions.push({ partition, start, end, records: Number(end - start) });
  }
  return { topic: input.topic, partitions, totalRecords: partitions.reduce((sum, p) => sum + p.records, 0), warnings };
}
