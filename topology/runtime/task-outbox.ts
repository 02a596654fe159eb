/**
 * The order in which a task's work may make its state changes durable.
 *
 * Invariant: items leave in the order they were opened, and an item leaves only once it and every
 * item opened before it are ready. A task opens an item when a record (or a punctuation) begins its
 * first step in the task, and the task runs one record's steps at a time, so this order is the order
 * in which the task's stores changed: the changelog, written in this order, replays to the same state.
 * An item is ready once every other effect of its record was acknowledged (outputs, sinks, the DLQ);
 * so a change in the changelog implies that the effects of its record, and of every record before it,
 * are durable too. Pure bookkeeping, no I/O, like the commit tracker.
 */
export interface OutboxSlot<T> {
  readonly item: T;
}

interface Slot<T> extends OutboxSlot<T> {
  ready: boolean;
}

export class TaskOutbox<T> {
  private readonly slots: Slot<T>[] = [];
  private head = 0;

  open(item: T): OutboxSlot<T> {
    const slot: Slot<T> = { item, ready: false };
    this.slots.push(slot);
    return slot;
  }

  /** Marks the slot ready; returns the items that may now leave, oldest first (often none, or just this one). */
  ready(slot: OutboxSlot<T>): T[] {
    const s = slot as Slot<T>;
    if (s.ready) throw new Error('outbox slot marked ready twice');
    s.ready = true;
    const out: T[] = [];
    while (this.head < this.slots.length && this.slots[this.head]!.ready) out.push(this.slots[this.head++]!.item);
    // Compact now and then, not on every call: an array shift per record would be quadratic.
    if (this.head > 1024 && this.head * 2 > this.slots.length) {
      this.slots.splice(0, this.head);
      this.head = 0;
    }
    return out;
  }

  /** Items opened and not yet released. */
  get size(): number {
    return this.slots.length - this.head;
  }

  /** Empties the outbox (the task closed); returns the items that were ready but still waiting for a predecessor, oldest first. */
  clear(): T[] {
    const left = this.slots.slice(this.head).flatMap((s) => (s.ready ? [s.item] : []));
    this.slots.length = 0;
    this.head = 0;
    return left;
  }
}
