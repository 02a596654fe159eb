import type { BatchWriter } from '../dsl/sink-contract.js';
import { FatalTopologyError, TransientError, type ErrorClass, type ErrorPolicies, type TopologyError } from '../errors.js';
import { positionLabel, type RawRecord } from '../records.js';
import type { BatchingSink } from './batching-sink.js';
import type { Clock } from './clock.js';
import { DLQ_HEADERS, toDlqRecord, type DlqRecord } from './dlq.js';
import type { Logger } from './logger.js';
import type { OutputProducer } from './output-producer.js';
import type { RecordTicket } from './ticket.js';

/** A DLQ record and the topic it goes to. */
export interface DeadLetter {
  readonly topic: string;
  readonly record: DlqRecord;
}

/** Produces DLQ records, grouped by DLQ topic. Its failures cannot be dead-lettered: they are retried or fatal. */
export class DlqWriter implements BatchWriter<DeadLetter> {
  readonly name = 'dlq';
  constructor(private readonly producer: OutputProducer) {}

  isTransient(error: unknown): boolean {
    return error instanceof TransientError || (this.producer.isTransient?.(error) ?? false);
  }

  async write(batch: readonly DeadLetter[]): Promise<void> {
    const byTopic = new Map<string, DlqRecord[]>();
    for (const { topic, record } of batch) {
      const list = byTopic.get(topic) ?? [];
      list.push(record);
      byTopic.set(topic, list);
    }
    for (const [topic, records] of byTopic) await this.producer.send(topic, records);
  }
}

export interface DeadLetterRouting {
  readonly policies: ErrorPolicies;
  /** The DLQ's batching sink (over a DlqWriter). */
  readonly sink: BatchingSink<DeadLetter>;
  /** Tells whether a refusal was for the record's size. */
  readonly producer: OutputProducer;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly observer: { deadLettered?(errorClass: ErrorClass, node: string): void };
  /** The DLQ topic declared on the source the record came from. */
  dlqTopicOf(sourceTopic: string): string;
  /** The schema id of a raw value, when its source's serde knows one (kept in the DLQ headers). */
  schemaIdOf(raw: RawRecord): number | undefined;
  /** Stops the runtime: a record whose policy is `fail`, or a DLQ that refuses it. */
  fatal(error: FatalTopologyError): void;
  /** Something was handed to a sink: wakes a drain. */
  progressed(): void;
}

/**
 * Decides where a failed record ends: the error class's policy `fail` stops the runtime with the
 * record never released (so never committed); otherwise the record goes to its source's DLQ with the
 * reason, and is released once the DLQ acknowledged it. Nothing is lost: a DLQ that refuses is fatal,
 * except for a record too large, which is dead-lettered again without its value.
 */
export class DeadLetterRouter {
  constructor(private readonly routing: DeadLetterRouting) {}

  route(ticket: RecordTicket, error: TopologyError, node: string): void {
    const { routing } = this;
    const position = positionLabel(ticket.raw);
    if (routing.policies[error.errorClass] === 'fail') {
      routing.logger.error({ position, node, errorClass: error.errorClass, err: error.message }, 'record failed; policy is fail: stopping');
      routing.fatal(new FatalTopologyError(`${error.errorClass} error at ${node} for ${position}: ${error.message}`, { cause: error }));
      ticket.retain(); // never released: this record must not be committed
      return;
    }
    const schemaId = routing.schemaIdOf(ticket.raw);
    const topic = routing.dlqTopicOf(ticket.raw.topic);
    routing.logger.warn({ position, node, errorClass: error.errorClass, err: error.message, dlq: topic }, 'record sent to the DLQ');
    routing.observer.deadLettered?.(error.errorClass, node);
    ticket.retain();
    const giveUp = (dlqError: Error) =>
      // Nowhere left to put it: stop rather than lose it.
      routing.fatal(new FatalTopologyError(`cannot write ${position} to DLQ ${topic}: ${dlqError.message}`, { cause: dlqError }));
    routing.sink.add(
      { topic, record: toDlqRecord(ticket.raw, error, node, routing.clock.now(), schemaId) },
      {
        written: () => ticket.release(),
        refused: (dlqError) => {
          const value = ticket.raw.value;
          if (value === null || !routing.producer.isRecordTooLarge?.(dlqError)) return giveUp(dlqError);
          // A value near the broker's limit plus our headers no longer fits: keep the reason and the
          // coordinates (the original stays in the source topic), rather than stopping for good.
          const slim = toDlqRecord({ ...ticket.raw, value: null }, error, node, routing.clock.now(), schemaId);
          const headers = { ...slim.headers, [DLQ_HEADERS.valueOmitted]: Buffer.from(`${value.length} bytes, too large for ${topic}`) };
          routing.sink.add({ topic, record: { ...slim, headers } }, { written: () => ticket.release(), refused: giveUp });
          routing.progressed();
        },
      },
    );
    routing.progressed();
  }
}
