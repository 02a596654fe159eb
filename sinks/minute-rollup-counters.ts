/** What a rollup sink has done since it started. */
export interface MinuteRollupCounters {
  /** Rows inserted. */
  readonly stored: number;
  /** Windows whose row existed already: emitted twice (a redelivery, a restart); the first stays. */
  readonly alreadyPresent: number;
  /** Rollups refused before writing because the table cannot hold them. */
  readonly rejected: number;
  /** Committed batches. */
  readonly batches: number;
}

/** Mutable tally behind the read-only snapshot a sink exposes. */
export class MinuteRollupTally {
  private current: MinuteRollupCounters = { stored: 0, alreadyPresent: 0, rejected: 0, batches: 0 };

  add(delta: Partial<MinuteRollupCounters>): void {
    const c = this.current;
    this.current = {
      stored: c.stored + (delta.stored ?? 0),
      alreadyPresent: c.alreadyPresent + (delta.alreadyPresent ?? 0),
      rejected: c.rejected + (delta.rejected ?? 0),
      batches: c.batches + (delta.batches ?? 0),
    };
  }

  get snapshot(): MinuteRollupCounters {
    return this.current;
  }
}
