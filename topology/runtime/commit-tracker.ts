/**
 * The one place that decides which offset may be committed.
 *
 * Records of a partition are begun in offset order and may complete in any order. The committable
 * offset is one past the last record of the longest fully completed prefix: never past a record that
 * is still in flight, whatever order completions arrive in. A record counts as in flight from its
 * begin to its completion, even after its partition was revoked, so the in-flight count bounds the
 * records held in memory. Pure bookkeeping; no I/O.
 */
export class PartitionTracker {
  /**
   * Offsets begun and not yet passed by the prefix, oldest first (so in increasing order: a
   * completion finds its entry by binary search, no map per record); `done` marks completed ones.
   */
  private readonly queue: { readonly offset: bigint; done: boolean }[] = [];
  private head = 0;
  /** Just after the entry the last completion found: completions mostly come in runs (a sink's batch), in order. */
  private cursor = 0;
  private pending = 0;
  /** The last offset the completed prefix passed: the committable offset is one more (made when asked, not per record). */
  private lastPassed: bigint | undefined;
  private lastBegun: bigint | undefined;

  /** Registers a fetched record. Offsets must increase (Kafka delivers a partition in order). */
  begin(offset: bigint): void {
    if (this.lastBegun !== undefined && offset <= this.lastBegun) {
      throw new Error(`offset ${offset} begun after ${this.lastBegun}: a partition must be fed in increasing order`);
    }
    this.lastBegun = offset;
    this.queue.push({ offset, done: false });
    this.pending++;
  }

  /** Marks a record fully handled. Completing an unknown offset is a bug in the caller. */
  complete(offset: bigint): void {
    const entry = this.find(offset);
    if (!entry || entry.done) throw new Error(`offset ${offset} completed but never begun (or completed twice)`);
    entry.done = true;
    this.pending--;
    const { queue } = this;
    while (this.head < queue.length && queue[this.head]!.done) {
      this.lastPassed = queue[this.head]!.offset;
      this.head++;
    }
    // Compact now and then so the array does not grow with the partition's history.
    if (this.head > 1024 && this.head * 2 > queue.length) {
      queue.splice(0, this.head);
      this.cursor = Math.max(0, this.cursor - this.head);
      this.head = 0;
    }
  }

  /** The entry of `offset` among those not yet passed: the one after the last found, the head, or by binary search. */
  private find(offset: bigint): { readonly offset: bigint; done: boolean } | undefined {
    const { queue, cursor } = this;
    let lo = this.head;
    let hi = queue.length - 1;
    let found = -1;
    if (cursor >= lo && cursor <= hi && queue[cursor]!.offset === offset) found = cursor;
    else if (lo <= hi && queue[lo]!.offset === offset) found = lo;
    while (found < 0 && lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = queue[mid]!.offset;
      if (at === offset) found = mid;
      else if (at < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    if (found < 0) return undefined;
    this.cursor = found + 1;
    return queue[found];
  }

  /** The offset to commit (Kafka's convention: the next record to read), if any record completed. */
  committable(): bigint | undefined {
    return this.lastPassed === undefined ? undefined : this.lastPassed + 1n;
  }

  get lastBegunOffset(): bigint | undefined {
    return this.lastBegun;
  }

  /** Records begun and not yet complete. */
  get inFlight(): number {
    return this.pending;
  }

  /** The lowest offset begun and not yet complete: what holds the committable offset back. */
  get oldestPending(): bigint | undefined {
    return this.pending > 0 ? this.queue[this.head]?.offset : undefined;
  }
}

export interface PartitionInFlight {
  readonly topic: string;
  readonly partition: number;
  readonly inFlight: number;
  /** The oldest record in flight of the partition's current generation, if any. */
  readonly oldest: string | undefined;
  /** Older generations (read before a rebalance or a seek) with records still in flight. */
  readonly retiredGenerations: number;
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

/** A partition's current generation (absent once revoked) and the older ones whose records have not all settled. */
interface PartitionSlot {
  current: PartitionEntry | undefined;
  readonly retired: PartitionEntry[];
}

/**
 * One tracker per assigned partition, and the memory of what was last committed for each.
 *
 * Records of a revoked (or re-read) generation never move an offset, but they still count as in
 * flight until they complete: they are still held somewhere (a sink's buffer), so counting them keeps
 * the memory bound by the in-flight cap across any number of rebalances.
 */
export class CommitTracker {
  /** By topic, then partition: looked up several times per record, so no key strings are built. */
  private readonly topics = new Map<string, Map<number, PartitionSlot>>();
  private generations = 0;

  private slot(topic: string, partition: number): PartitionSlot | undefined {
    return this.topics.get(topic)?.get(partition);
  }

  private find(topic: string, partition: number): PartitionEntry | undefined {
    return this.slot(topic, partition)?.current;
  }

  /** Starts a new generation for the partition; the one it replaces is kept while records of it are in flight. */
  private create(topic: string, partition: number): PartitionEntry {
    let byPartition = this.topics.get(topic);
    if (!byPartition) {
      byPartition = new Map();
      this.topics.set(topic, byPartition);
    }
    let slot = byPartition.get(partition);
    if (!slot) {
      slot = { current: undefined, retired: [] };
      byPartition.set(partition, slot);
    }
    this.retire(slot);
    const e: PartitionEntry = { key: { topic, partition }, tracker: new PartitionTracker(), generation: ++this.generations };
    slot.current = e;
    return e;
  }

  private retire(slot: PartitionSlot): void {
    if (slot.current && slot.current.tracker.inFlight > 0) slot.retired.push(slot.current);
    slot.current = undefined;
  }

  private *entries(): Iterable<PartitionEntry> {
    for (const byPartition of this.topics.values()) for (const slot of byPartition.values()) if (slot.current) yield slot.current;
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

  /**
   * Marks a record handled. A completion for an older generation (the partition was revoked or read
   * again since) only settles that record: it moves no offset.
   */
  complete(topic: string, partition: number, offset: bigint, generation?: number): void {
    const slot = this.slot(topic, partition);
    if (!slot) return;
    const e = slot.current;
    if (e && (generation === undefined || generation === e.generation)) {
      e.tracker.complete(offset);
      return;
    }
    const index = generation === undefined ? -1 : slot.retired.findIndex((r) => r.generation === generation);
    if (index < 0) return;
    const old = slot.retired[index]!;
    old.tracker.complete(offset);
    if (old.tracker.inFlight === 0) {
      slot.retired.splice(index, 1);
      if (!slot.current && slot.retired.length === 0) this.topics.get(topic)?.delete(partition);
    }
  }

  /** Records of the partition begun and not yet complete, of every generation. */
  inFlight(topic: string, partition: number): number {
    const slot = this.slot(topic, partition);
    return slot ? slotInFlight(slot) : 0;
  }

  totalInFlight(): number {
    let n = 0;
    for (const byPartition of this.topics.values()) for (const slot of byPartition.values()) n += slotInFlight(slot);
    return n;
  }

  /** Each partition with records in flight: how many, the oldest of its current generation, and how many older generations still hold some (what a drain that does not finish waits for). */
  inFlightByPartition(): PartitionInFlight[] {
    const out: PartitionInFlight[] = [];
    for (const [topic, byPartition] of this.topics)
      for (const [partition, slot] of byPartition) {
        const inFlight = slotInFlight(slot);
        if (inFlight === 0) continue;
        const oldest = slot.current?.tracker.oldestPending;
        out.push({ topic, partition, inFlight, oldest: oldest?.toString(), retiredGenerations: slot.retired.filter((r) => r.tracker.inFlight > 0).length });
      }
    return out;
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

  /**
   * Forgets a partition taken away by a rebalance: in-flight records of it will not be committed by
   * us, but count as in flight until they settle.
   */
  revoke(topic: string, partition: number): void {
    const slot = this.slot(topic, partition);
    if (!slot) return;
    this.retire(slot);
    if (slot.retired.length === 0) this.topics.get(topic)?.delete(partition);
  }

  /** Whether `generation` is the partition's current one: a record of an older one was read before a revoke and will be read again. */
  isCurrent(topic: string, partition: number, generation: number): boolean {
    return this.find(topic, partition)?.generation === generation;
  }

  assigned(): PartitionKey[] {
    return [...this.entries()].map((e) => e.key);
  }
}

function slotInFlight(slot: PartitionSlot): number {
  let n = slot.current?.tracker.inFlight ?? 0;
  for (const old of slot.retired) n += old.tracker.inFlight;
  return n;
}
