/** What a readings sink has done since it started; `tempstream start` exports these on /metrics. */
export interface ReadingsSinkCounters {
  /** Rows inserted. */
  readonly stored: number;
  /** Readings whose (device, reading time) row existed already with the same values: redeliveries. */
  readonly alreadyPresent: number;
  /** Readings whose (device, reading time) row existed with another temperature or unit: dead-lettered. */
  readonly conflicting: number;
  /** Readings refused before writing because the table cannot hold them. */
  readonly rejected: number;
  /** Committed batches. */
  readonly batches: number;
}

/** Mutable tally behind the read-only snapshot a sink exposes. */
export class ReadingsTally {
  private current: ReadingsSinkCounters = { stored: 0, alreadyPresent: 0, conflicting: 0, rejected: 0, batches: 0 };

  add(delta: Partial<ReadingsSinkCounters>): void {
    const c = this.current;
    this.current = {
      stored: c.stored + (delta.stored ?? 0),
      alreadyPresent: c.alreadyPresent + (delta.alreadyPresent ?? 0),
      conflicting: c.conflicting + (delta.conflicting ?? 0),
      rejected: c.rejected + (delta.rejected ?? 0),
      batches: c.batches + (delta.batches ?? 0),
    };
  }

  get snapshot(): ReadingsSinkCounters {
    return this.current;
  }
}
