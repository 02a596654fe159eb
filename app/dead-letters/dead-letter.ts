/**
 * A dead letter as the tools show it: where it sits in its DLQ, why it got there (the dlq.* headers),
 * the original record's own headers, key and value, and the value decoded where it can be.
 */
import { DLQ_HEADERS, readDlqHeaders } from '../../topology/index.js';
import type { DeadLetterPosition } from '../../sinks/index.js';

export interface DeadLetterReason {
  readonly sourceTopic?: string;
  readonly sourcePartition?: number;
  readonly sourceOffset?: string;
  readonly errorClass?: string;
  readonly errorMessage?: string;
  readonly rule?: string;
  readonly node?: string;
  readonly schemaId?: number;
  /** ISO-8601, when the record failed. */
  readonly failedAt?: string;
  /** True when the value was left out for size: such a dead letter cannot be re-driven. */
  readonly valueOmitted: boolean;
}

export interface DeadLetter {
  readonly position: DeadLetterPosition;
  /** The DLQ record's timestamp: the original record's, epoch ms. */
  readonly timestamp: number;
  readonly reason: DeadLetterReason;
  /** The original record's headers (the dlq.* ones left out), as UTF-8 text. */
  readonly headers: Readonly<Record<string, string>>;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The original headers as bytes, what a re-drive sends back. */
  readonly originalHeaders: Readonly<Record<string, Buffer>>;
}

/** A Kafka message of a DLQ topic, as KafkaJS hands it over. */
export interface DlqMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

const DLQ_HEADER_NAMES: ReadonlySet<string> = new Set(Object.values(DLQ_HEADERS));
/** Every header the DLQ adds starts with this; none of them goes back to the source topic. */
export const DLQ_HEADER_PREFIX = 'dlq.';

export function toDeadLetter(message: DlqMessage): DeadLetter {
  const single: Record<string, Buffer> = {};
  for (const [name, raw] of Object.entries(message.headers ?? {})) {
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (first !== undefined) single[name] = Buffer.isBuffer(first) ? first : Buffer.from(first, 'utf8');
  }
  const dlq = readDlqHeaders(single);
  const originalHeaders: Record<string, Buffer> = {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(single)) {
    if (DLQ_HEADER_NAMES.has(name) || name.startsWith(DLQ_HEADER_PREFIX)) continue;
    originalHeaders[name] = value;
    headers[name] = value.toString('utf8');
  }
  return {
    position: { topic: message.topic, partition: message.partition, offset: message.offset },
    timestamp: Number(message.timestamp),
    reason: {
      sourceTopic: dlq.sourceTopic,
      sourcePartition: integerOrUndefined(dlq.sourcePartition),
      sourceOffset: dlq.sourceOffset,
      errorClass: dlq.errorClass,
      errorMessage: dlq.errorMessage,
      rule: dlq.rule,
      node: dlq.node,
      schemaId: integerOrUndefined(dlq.schemaId),
      failedAt: dlq.failedAt,
      valueOmitted: dlq.valueOmitted !== undefined,
    },
    headers,
    key: message.key,
    value: message.value,
    originalHeaders,
  };
}

function integerOrUndefined(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  return Number(text);
}
