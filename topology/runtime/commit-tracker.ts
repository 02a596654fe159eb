/**
 * The one place that decides which offset may be committed.
 *
 * Records of a partition are begun in offset order and may complete in any order. The committable
 * offset is one past the last record of the longest fully completed prefix: never past a record that
 * is still in flight, whatever order completions arrive in. Pure bookkeeping; no I/O.
 */
export class PartitionTracker {
  /** Offsets begun and not yet passed by the prefix, oldest first; `done` marks completed ones. */
  private readonly queue: { offset: bigint; done: boolean }[] = [];
  private head = 0;
  private readonly byOffset = new Map<bigint, { offset: bigint; done: boolean }>();
  private next: bigint | undefined;
  private lastBegun: bigint | undefined;

  /** Registers a fetched record. Offsets must increase (Kafka delivers a partition in order). */
  begin(offset: bigint): void {
    if (this.lastBegun !== undefined && offset <= this.lastBegun) {
      throw new Error(`offset ${offset} begun after ${this.lastBegun}: a partition must be fed in increasing order`);
    }
    this.lastBegun = offset;
    const entry = { offset, done: false };
    this.queue.push(entry);
    this.byOffset.set(offset, entry);
  }

  /** Marks a record fully handled. Completing an unknown offset is a bug in the caller. */
  complete(offset: bigint): void {
    const entry = this.byOffset.get(offset);
    if (!entry) throw new Error(`offset ${offset} completed but never begun (or completed twice)`);
    entry.done = true;
    this.byOffset.delete(offset);
    while (this.head < this.queue.length && this.queue[this.head]!.done) {
      this.next = this.queue[this.head]!.offset + 1n;
      this.head++;
    }
    // Compact now and then so the array does not grow with the partition's history.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The offset to commit (Kafka's convention: the next record to read), if any record completed. */
  committable(): bigint | undefined {
    return this.next;
  }

  get lastBegunOffset(): bigint | undefined {
    return this.lastBegun;
  }

  /** Records begun and not yet complete. */
  get inFlight(): number {
    return this.byOffset.size;
  }
}

export interface PartitionKey {
  readonly topic: string;
  readonly partition: number;
}

export interface OffsetToCommit extends PartitionKey {
  readonly offset: string;
}

interface PartitionEntry {
  readonly key: PartitionKey;
  readonly tracker: PartitionTracker;
  readonly generation: number;
  committed?: bigint;
}

/** One tracker per assigned partition, and the memory of what was last committed for each. */
export class CommitTracker {
  /** By topic, then partition: looked up several times per record, so no key strings are built. */
  private readonly topics = new Map<string, Map<number, PartitionEntry>>();
  private generations = 0;

  private find(topic: string, partition: number): PartitionEntry | undefined {
    return this.topics.get(topic)?.get(partition);
  }

  private create(topic: string, partition: number): PartitionEntry {
    let byPartition = this.topics.get(topic);
    if (!byPartition) {
      byPartition = new Map();
      this.topics.set(topic, byPartition);
    }
    const e: PartitionEntry = { key: { topic, partition }, tracker: new PartitionTracker(), generation: ++this.generations };
    byPartition.set(partition, e);
    return e;
  }

  private *entries(): Iterable<PartitionEntry> {
    for (const byPartition of this.topics.values()) yield* byPartition.values();
  }

  /**
   * Registers a fetched record and returns the partition's generation: a revoke starts a new one, so
   * that completions of records read before it cannot move the offsets of records read after it.
   */
  begin(topic: string, partition: number, offset: bigint): number {
    let e = this.find(topic, partition) ?? this.create(topic, partition);
    if (e.tracker.lastBegunOffset !== undefined && offset <= e.tracker.lastBegunOffset) {
      // The consumer went back (a rebalance that kept the partition, a seek): the records from here
      // are read again, so start over in a new generation rather than trust the old bookkeeping.
      const committed = e.committed;
      e = this.create(topic, partition);
      e.committed = committed;
    }
    e.tracker.begin(offset);
    return e.generation;
  }

  /** Marks a record handled. Late completions for a revoked partition (an older generation) are ignored. */
  complete(topic: string, partition: number, offset: bigint, generation?: number): void {
    const e = this.find(topic, partition);
    if (!e || (generation !== undefined && generation !== e.generation)) return;
    e.tracker.complete(offset);
  }

  inFlight(topic: string, partition: number): number {
    return this.find(topic, partition)?.tracker.inFlight ?? 0;
  }

  totalInFlight(): number {
    let n = 0;
    for (const e of this.entries()) n += e.tracker.inFlight;
    return n;
  }

  /** Offsets that moved since they were last marked committed. */
  due(): OffsetToCommit[] {
    const out: OffsetToCommit[] = [];
    for (const e of this.entries()) {
      const next = e.tracker.committable();
      if (next !== undefined && (e.committed === undefined || next > e.committed)) {
        out.push({ ...e.key, offset: next.toString() });
      }
    }
    return out;
  }

  markCommitted(offsets: readonly OffsetToCommit[]): void {
    for (const o of offsets) {
      const e = this.find(o.topic, o.partition);
      if (e) e.committed = BigInt(o.offset);
    }
  }

  /** Forgets a partition taken away by a rebalance; in-flight records of it will not be committed by us. */
  revoke(topic: string, partition: number): void {
    this.topics.get(topic)?.delete(partition);
  }

  assigned(): PartitionKey[] {
    return [...this.entries()].map((e) => e.key);
  }
}
