import type { Envelope, FailureReporter } from '../dsl/graph.js';
import type { TopologyError } from '../errors.js';
import type { RawRecord } from '../records.js';
import type { OutboxSlot } from './task-outbox.js';

export interface TicketHooks {
  /** Every obligation of the record is met: it may be committed. */
  done(ticket: RecordTicket): void;
  /** The record failed at `node`; the hooks route it (DLQ) or stop the runtime (policy `fail`). */
  failed(ticket: RecordTicket, error: TopologyError, node: string): void;
}

/**
 * Follows one input record through the topology. It starts with one obligation (being processed);
 * every output it reaches (a sink, a topic, the DLQ) adds one until acknowledged. At zero the record
 * is fully handled. Children of a flatMap share their parent's ticket.
 */
export class RecordTicket implements FailureReporter {
  private pending = 1;
  private failure: TopologyError | undefined;
  /**
   * Set when the record changed (or may change) state: its place in its task's outbox. Once the
   * ticket is done, the engine still writes its state changes to the changelog before committing it.
   * Typed loosely so that tickets need not know tasks; state-task.ts owns the item (`TaskWork`).
   */
  stateSlot: OutboxSlot<unknown> | undefined;
  /** Set while every obligation but the changelog write of its state changes is met: backpressure does not count it then (capacity.ts). */
  awaitingChangelog = false;

  constructor(
    readonly raw: RawRecord,
    private readonly hooks: TicketHooks,
    /** The commit tracker's generation of the partition when the record was read. */
    readonly generation?: number,
    /** `raw.offset` parsed once, for the commit tracker. */
    readonly offset: bigint = BigInt(raw.offset),
  ) {}

  retain(): void {
    if (this.pending <= 0) throw new Error('retain() on a ticket that is already done');
    this.pending++;
  }

  release(): void {
    if (this.pending <= 0) throw new Error('release() on a ticket that is already done');
    if (--this.pending === 0) this.hooks.done(this);
  }

  /** Reports a failure; only the first one is routed, so a record reaches the DLQ at most once. */
  fail(error: TopologyError, node: string): void {
    if (this.failure) return;
    this.failure = error;
    this.hooks.failed(this, error, node);
  }

  get failed(): TopologyError | undefined {
    return this.failure;
  }
}

/** The ticket behind an envelope: operators see only its failure side, the runtime all of it. */
export function ticketOf(envelope: Envelope<unknown, unknown>): RecordTicket {
  if (envelope.ticket instanceof RecordTicket) return envelope.ticket;
  throw new Error('an envelope reached a terminal without the runtime ticket it started with');
}
