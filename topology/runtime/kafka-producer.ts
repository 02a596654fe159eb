import type { Message, Producer } from 'kafkajs';
import type { OutputProducer, ProducedMessage } from './output-producer.js';

/** Kafka errors that are the record's own fault: retrying the same bytes cannot help. */
const RECORD_ERRORS = new Set(['MESSAGE_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_TIMESTAMP']);

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

function hasErrorType(error: unknown, types: ReadonlySet<string>): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && types.has(type)) return true;
    e = (e as { originalError?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The broker refused a record for its size (anywhere in the error's cause chain). */
export const isRecordTooLarge = (error: unknown): boolean => hasErrorType(error, TOO_LARGE);

/**
 * Anything else (a broker away, a leader moving, even authorization) is treated as transient: the
 * pipeline waits and retries instead of dead-lettering good records.
 */
export function isTransientKafkaError(error: unknown): boolean {
  return !hasErrorType(error, RECORD_ERRORS);
}

/** Engine messages as KafkaJS wants them (timestamps are strings there). */
export function toKafkaMessages(messages: readonly ProducedMessage[]): Message[] {
  return messages.map((m) => ({
    key: m.key,
    value: m.value,
    headers: m.headers,
    partition: m.partition,
    timestamp: m.timestamp === undefined ? undefined : String(m.timestamp),
  }));
}

/** The engine's producer port over a KafkaJS producer; `acks: -1` waits for every in-sync replica. */
export function kafkaOutputProducer(producer: Producer): OutputProducer {
  return {
    async send(topic: string, messages: readonly ProducedMessage[]): Promise<void> {
      await producer.send({ topic, acks: -1, messages: toKafkaMessages(messages) });
    },
    isTransient: isTransientKafkaError,
    isRecordTooLarge,
  };
}
