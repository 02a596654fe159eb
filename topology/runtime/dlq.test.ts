import { describe, expect, it } from 'vitest';
import { DeserializationError, ProcessingError, SinkError, ValidationError } from '../errors.js';
import type { RawRecord } from '../records.js';
import { DLQ_HEADERS, readDlqHeaders, toDlqRecord } from './dlq.js';

const raw: RawRecord = {
  topic: 'events',
  partition: 3,
  offset: '12345678901234',
  key: Buffer.from([0x00, 0xff, 0x10]),
  value: Buffer.from([0x00, 0x00, 0x00, 0x00, 0x07, 0xde, 0xad]),
  headers: { traceparent: Buffer.from('00-abc-01'), 'content-type': Buffer.from('avro') },
  timestamp: 1_700_000_000_000,
};
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 6);

describe('toDlqRecord', () => {
  it('keeps the original key and value bytes, timestamp and headers untouched', () => {
    const dlq = toDlqRecord(raw, new ProcessingError('boom'), 'enrich', NOW);
    expect(dlq.key).toEqual(raw.key);
    expect(dlq.value).toEqual(raw.value);
    expect(dlq.timestamp).toBe(raw.timestamp);
    expect(dlq.headers.traceparent).toEqual(Buffer.from('00-abc-01'));
    expect(dlq.headers['content-type']).toEqual(Buffer.from('avro'));
    expect(Object.keys(raw.headers)).toEqual(['traceparent', 'content-type']); // the input is not mutated
  });

  it('keeps a null key and value (a tombstone) as null', () => {
    const dlq = toDlqRecord({ ...raw, key: null, value: null }, new DeserializationError('null value'), 'source', NOW);
    expect(dlq.key).toBeNull();
    expect(dlq.value).toBeNull();
  });

  it('adds where the record came from, what failed, where and when', () => {
    const { headers } = toDlqRecord(raw, new SinkError('duplicate key', false), 'postgres', NOW);
    expect(headers[DLQ_HEADERS.sourceTopic]?.toString()).toBe('events');
    expect(headers[DLQ_HEADERS.sourcePartition]?.toString()).toBe('3');
    expect(headers[DLQ_HEADERS.sourceOffset]?.toString()).toBe('12345678901234');
    expect(headers[DLQ_HEADERS.errorClass]?.toString()).toBe('sink');
    expect(headers[DLQ_HEADERS.errorMessage]?.toString()).toBe('duplicate key');
    expect(headers[DLQ_HEADERS.node]?.toString()).toBe('postgres');
    expect(headers[DLQ_HEADERS.failedAt]?.toString()).toBe('2026-01-02T03:04:05.006Z');
    expect(headers[DLQ_HEADERS.rule]).toBeUndefined();
    expect(headers[DLQ_HEADERS.schemaId]).toBeUndefined();
  });

  it('adds the rule of a ValidationError', () => {
    const { headers } = toDlqRecord(raw, new ValidationError('level-range', 'level 900 out of range'), 'check', NOW);
    expect(headers[DLQ_HEADERS.errorClass]?.toString()).toBe('validation');
    expect(headers[DLQ_HEADERS.rule]?.toString()).toBe('level-range');
  });

  it('adds the schema id it is given', () => {
    const { headers } = toDlqRecord(raw, new ProcessingError('x'), 'n', NOW, 7);
    expect(headers[DLQ_HEADERS.schemaId]?.toString()).toBe('7');
  });

  it('prefers the schema id carried by a DeserializationError', () => {
    const { headers } = toDlqRecord(raw, new DeserializationError('unknown schema id 42', 42), 'source', NOW, 7);
    expect(headers[DLQ_HEADERS.schemaId]?.toString()).toBe('42');
  });

  it('cuts a very long error message to 2000 characters', () => {
    const { headers } = toDlqRecord(raw, new ProcessingError('x'.repeat(5000)), 'n', NOW);
    expect(headers[DLQ_HEADERS.errorMessage]?.length).toBe(2000);
  });

  it('overrides an incoming header that uses a DLQ header name (a record dead-lettered twice)', () => {
    const again = { ...raw, headers: { ...raw.headers, [DLQ_HEADERS.errorClass]: Buffer.from('processing') } };
    const { headers } = toDlqRecord(again, new ValidationError('r', 'm'), 'n', NOW);
    expect(headers[DLQ_HEADERS.errorClass]?.toString()).toBe('validation');
  });

  it('replaces every DLQ header of a dead letter that fails again, keeping none of the previous failure', () => {
    const previous = toDlqRecord(raw, new ValidationError('old-rule', 'first failure'), 'check', NOW, 9);
    const replayed: RawRecord = {
      ...raw,
      topic: 'events-dlq',
      partition: 0,
      offset: '5',
      headers: { ...previous.headers, [DLQ_HEADERS.valueOmitted]: Buffer.from('1 bytes'), 'dlq.custom.note': Buffer.from('x') },
    };
    const { headers } = toDlqRecord(replayed, new SinkError('refused', false), 'store', NOW + 1);
    expect(readDlqHeaders(headers)).toEqual({
      sourceTopic: 'events-dlq',
      sourcePartition: '0',
      sourceOffset: '5',
      errorClass: 'sink',
      errorMessage: 'refused',
      node: 'store',
      failedAt: '2026-01-02T03:04:05.007Z',
    });
    expect(
      Object.keys(headers)
        .filter((name) => name.startsWith('dlq.'))
        .sort(),
    ).toEqual(
      [
        DLQ_HEADERS.sourceTopic,
        DLQ_HEADERS.sourcePartition,
        DLQ_HEADERS.sourceOffset,
        DLQ_HEADERS.errorClass,
        DLQ_HEADERS.errorMessage,
        DLQ_HEADERS.node,
        DLQ_HEADERS.failedAt,
      ].sort(),
    );
    expect(headers.traceparent).toEqual(Buffer.from('00-abc-01')); // the record's own headers stay
  });
});

describe('readDlqHeaders', () => {
  it('round-trips every header toDlqRecord writes', () => {
    const { headers } = toDlqRecord(raw, new ValidationError('level-range', 'too hot'), 'check', NOW, 9);
    expect(readDlqHeaders(headers)).toEqual({
      sourceTopic: 'events',
      sourcePartition: '3',
      sourceOffset: '12345678901234',
      errorClass: 'validation',
      errorMessage: 'too hot',
      rule: 'level-range',
      node: 'check',
      schemaId: '9',
      failedAt: '2026-01-02T03:04:05.006Z',
    });
  });

  it('reads string header values too, and leaves out the headers that are absent', () => {
    expect(readDlqHeaders({ [DLQ_HEADERS.errorClass]: 'sink', other: 'x', [DLQ_HEADERS.node]: undefined })).toEqual({ errorClass: 'sink' });
  });

  it('names a distinct header for every field', () => {
    const names = Object.values(DLQ_HEADERS);
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((name) => name.startsWith('dlq.'))).toBe(true); // so a replaced dead letter loses them all
  });
});
