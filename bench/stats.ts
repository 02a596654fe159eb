/** Percentiles by nearest rank: the p99 of 5,000 samples is a latency that really happened. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export const sortedCopy = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);
