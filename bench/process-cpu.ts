/**
 * The bench process's own CPU over a span, per record: a ceiling's readings/s move with what else
 * the machine runs, its CPU per record much less.
 */

/** CPU µs (user + system) per record of a `process.cpuUsage(before)` delta; NaN without records. */
export function cpuMicrosPerRecord(used: NodeJS.CpuUsage, records: number): number {
  return records > 0 ? (used.user + used.system) / records : NaN;
}

/** Starts a span now; its `stop()` returns the process's CPU µs per record since then. */
export function processCpuSpan(): { stop(records: number): number } {
  const before = process.cpuUsage();
  return { stop: (records) => cpuMicrosPerRecord(process.cpuUsage(before), records) };
}
