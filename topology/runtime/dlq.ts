import { ValidationError, DeserializationError, type TopologyError } from '../errors.js';
import type { HeaderMap, RawRecord } from '../records.js';

/** Every DLQ header name starts with this. */
const DLQ_HEADER_PREFIX = 'dlq.';

/** Header names a DLQ record carries beside the original record's own headers. */
export const DLQ_HEADERS = {
  sourceTopic: 'dlq.source.topic',
  sourcePartition: 'dlq.source.partition',
  sourceOffset: 'dlq.source.offset',
  errorClass: 'dlq.error.class',
  errorMessage: 'dlq.error.message',
  rule: 'dlq.error.rule',
  node: 'dlq.node',
  schemaId: 'dlq.schema.id',
  failedAt: 'dlq.failed.at',
  /** Set when the value had to be left out because the record with it exceeded the DLQ's size limit. */
  valueOmitted: 'dlq.value.omitted',
} as const;

export interface DlqRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: HeaderMap;
  readonly timestamp: number;
}

/**
 * Keeps the original key and value bytes untouched, so the record can be replayed once fixed. A
 * dead letter that fails again (replayed, failing anew) loses all its previous DLQ headers: a rule
 * or schema id of the old failure must not pass for the new one's.
 */
export function toDlqRecord(raw: RawRecord, error: TopologyError, node: string, now: number, schemaId?: number): DlqRecord {
  const h: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(raw.headers)) {
    if (!name.startsWith(DLQ_HEADER_PREFIX)) h[name] = value;
  }
  const put = (name: string, value: string | number | undefined) => {
    if (value !== undefined) h[name] = Buffer.from(String(value), 'utf8');
  };
  put(DLQ_HEADERS.sourceTopic, raw.topic);
  put(DLQ_HEADERS.sourcePartition, raw.partition);
  put(DLQ_HEADERS.sourceOffset, raw.offset);
  put(DLQ_HEADERS.errorClass, error.errorClass);
  put(DLQ_HEADERS.errorMessage, error.message.slice(0, 2000));
  put(DLQ_HEADERS.node, node);
  if (error instanceof ValidationError) put(DLQ_HEADERS.rule, error.rule);
  put(DLQ_HEADERS.schemaId, error instanceof DeserializationError && error.schemaId !== undefined ? error.schemaId : schemaId);
  put(DLQ_HEADERS.failedAt, new Date(now).toISOString());
  return { key: raw.key, value: raw.value, headers: h, timestamp: raw.timestamp };
}

/** Reads the DLQ headers back, for tools and tests. */
export function readDlqHeaders(headers: Readonly<Record<string, Buffer | string | undefined>>): Partial<Record<keyof typeof DLQ_HEADERS, string>> {
  const out: Partial<Record<keyof typeof DLQ_HEADERS, string>> = {};
  for (const [field, name] of Object.entries(DLQ_HEADERS) as [keyof typeof DLQ_HEADERS, string][]) {
    const v = headers[name];
    if (v !== undefined) out[field] = v.toString();
  }
  return out;
}
