/**
 * Backpressure per partition: a reader that found its partition full waits here until records of
 * that partition settle (or the partition is revoked, or the engine closes).
 *
 * Invariant: a waiter is woken exactly once, and never while its partition is still full unless it
 * is a revocation or a close (which end the wait for good). Waiters sit in nested maps, topic then
 * partition, as the commit tracker keeps its slots: no key string built on the hot path.
 */
export class PartitionCapacity {
  private readonly waiters = new Map<string, Map<number, (() => void)[]>>();
  private closed = false;

  /** @param limit records read and not yet fully handled, per partition. */
  constructor(private readonly limit: number) {}

  /** Whether a partition with `inFlight` records may take another one. */
  hasRoom(inFlight: number): boolean {
    return inFlight < this.limit;
  }

  /** Undefined when there is room (or when closed); otherwise resolves at the next wake-up of the partition. */
  waitFor(topic: string, partition: number, inFlight: number): Promise<void> | undefined {
    if (inFlight < this.limit || this.closed) return undefined;
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
