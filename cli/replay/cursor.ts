/**
 * Where a replay stands on each partition of its plan, and what to do with the next record fetched.
 * The consumer may hand back records it was already given (after a rejoin, before the seek lands):
 * those are skipped, so the engine sees each offset once and in order.
 */
import type { ReplayPlan } from './plan.js';

export type Admission =
  /** Feed it to the engine. */
  | 'process'
  /** Below the next offset wanted: already processed, or before the start. */
  | 'skip'
  /** At or past the end: the partition is done. */
  | 'past-end';

interface PartitionState {
  next: bigint;
  readonly end: bigint;
}

export class ReplayCursor {
  private readonly states = new Map<number, PartitionState>();

  constructor(plan: ReplayPlan) {
    for (const p of plan.partitions) this.states.set(p.partition, { next: p.start, end: p.end });
  }

  admit(partition: number, offset: bigint): Admission {
    const state = this.states.get(partition);
    if (!state || offset >= state.end) return 'past-end';
    return offset < state.next ? 'skip' : 'process';
  }

  /** The record at `offset` went to the engine. */
  processed(partition: number, offset: bigint): void {
    this.reached(partition, offset + 1n);
  }

  /** The consumer is past every offset below `next` (used where offsets have gaps: compaction, transaction markers). */
  reached(partition: number, next: bigint): void {
    const state = this.states.get(partition);
    if (state && next > state.next) state.next = next;
  }

  isDone(partition: number): boolean {
    const state = this.states.get(partition);
    return !state || state.next >= state.end;
  }

  allDone(): boolean {
    return [...this.states.keys()].every((p) => this.isDone(p));
  }

  /** Where to seek to resume a partition. */
  nextOffset(partition: number): bigint | undefined {
    return this.states.get(partition)?.next;
  }

  /** Partitions of the plan still to read, in order. */
  unfinished(): number[] {
    return [...this.states.keys()].filter((p) => !this.isDone(p)).sort((a, b) => a - b);
  }
}
