import type { Message, Producer } from 'kafkajs';
import type { OutputProducer, ProducedMessage } from './output-producer.js';
import { SendCoalescer } from './send-coalescer.js';

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

/** The broker refused a record (its size, its format): the same bytes would be refused again. */
const isRecordFault = (error: unknown): boolean => hasErrorType(error, RECORD_ERRORS);

/** The broker refused a record for its size (anywhere in the error's cause chain). */
export const isRecordTooLarge = (error: unknown): boolean => hasErrorType(error, TOO_LARGE);

/**
 * Anything else (a broker away, a leader moving, even authorization) is treated as transient: the
 * pipeline waits and retries instead of dead-lettering good records.
 */
export function isTransientKafkaError(error: unknown): boolean {
  return !isRecordFault(error);
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

/**
 * The engine's producer port over a KafkaJS producer; `acks: -1` waits for every in-sync replica. Sends
 * made while a request is in flight go out together in the next one (send-coalescer.ts).
 */
export function kafkaOutputProducer(producer: Producer): OutputProducer {
  const coalescer = new SendCoalescer<ProducedMessage>(async (sends) => {
    await producer.sendBatch({ acks: -1, topicMessages: sends.map((s) => ({ topic: s.topic, messages: toKafkaMessages(s.messages) })) });
  }, isRecordFault);
  return {
    send: (topic: string, messages: readonly ProducedMessage[]) => coalescer.send(topic, messages),
    isTransient: isTransientKafkaError,
    isRecordTooLarge,
  };
}
