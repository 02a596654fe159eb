/**
 * Backpressure per partition: a reader that found its partition full waits here until records of
 * that partition settle (or the partition is revoked, or the engine closes).
 *
 * A record whose every effect but its changelog write is done holds little (its changes, its ticket)
 * and waits on a write that lingers to gather more changes per key: up to `excusable` such records,
 * all partitions together, are not counted against their partition's limit, so that the linger never
 * makes a partition wait. Past that, they count again: the memory bound stays
 * `limit` per partition plus `excusable`.
 *
 * Invariant: a waiter is woken exactly once, and never while its partition is still full unless it
 * is a revocation or a close (which end the wait for good). Waiters and counts sit in nested maps,
 * topic then partition, as the commit tracker keeps its slots: no key string built on the hot path.
 */
export class PartitionCapacity {
  private readonly waiters = new Map<string, Map<number, (() => void)[]>>();
  private readonly excused = new Map<string, Map<number, number>>();
  private excusedTotal = 0;
  private closed = false;

  /**
   * @param limit records read and not yet fully handled, per partition.
   * @param excusable records waiting only on their changelog write that the limits do not count, all partitions together.
   */
  constructor(
    private readonly limit: number,
    private readonly excusable = 0,
  ) {}

  /** Whether a partition with `inFlight` records (its excused ones included) may take another one. */
  hasRoom(topic: string, partition: number, inFlight: number): boolean {
    return this.counted(topic, partition, inFlight) < this.limit;
  }

  /** A record of the partition now waits only on its changelog write. */
  excuse(topic: string, partition: number): void {
    let partitions = this.excused.get(topic);
    if (!partitions) this.excused.set(topic, (partitions = new Map<number, number>()));
    partitions.set(partition, (partitions.get(partition) ?? 0) + 1);
    this.excusedTotal++;
  }

  /** An excused record is done (or no longer waits). */
  unexcuse(topic: string, partition: number): void {
    const partitions = this.excused.get(topic)!;
    const n = partitions.get(partition)! - 1;
    if (n === 0) partitions.delete(partition);
    else partitions.set(partition, n);
    this.excusedTotal--;
  }

  /** More records wait only on their changelog write than may be excused: they count against their partitions again. */
  get overExcused(): boolean {
    return this.excusedTotal > this.excusable;
  }

  private counted(topic: string, partition: number, inFlight: number): number {
    if (this.excusedTotal === 0 || this.excusedTotal > this.excusable) return inFlight;
    return inFlight - (this.excused.get(topic)?.get(partition) ?? 0);
  }

  /** Undefined when there is room (or when closed); otherwise resolves at the next wake-up of the partition. */
  waitFor(topic: string, partition: number, inFlight: number): Promise<void> | undefined {
    if (this.closed || this.hasRoom(topic, partition, inFlight)) return undefined;
    return new Promise((resolve) => {
      let partitions = this.waiters.get(topic);
      if (!partitions) this.waiters.set(topic, (partitions = new Map<number, (() => void)[]>()));
      const list = partitions.get(partition);
      if (list) list.push(resolve);
      else partitions.set(partition, [resolve]);
    });
  }

  /** Wakes every reader waiting on the partition. */
  wake(topic: string, partition: number): void {
    const partitions = this.waiters.get(topic);
    const list = partitions?.get(partition);
    if (!list) return;
    partitions!.delete(partition);
    for (const w of list) w();
  }

  /** Wakes everyone, and lets nobody wait again: the engine is closing. */
  close(): void {
    this.closed = true;
    for (const partitions of this.waiters.values()) for (const list of partitions.values()) for (const w of list) w();
    this.waiters.clear();
  }
}
