import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { toRawRecord } from './kafka-message.js';

const message = (headers: KafkaMessage['headers']): KafkaMessage =>
  ({ offset: '42', key: Buffer.from('k'), value: Buffer.from('v'), timestamp: '1700000000000', attributes: 0, headers }) as KafkaMessage;

describe('toRawRecord', () => {
  it('keeps the coordinates, key, value and timestamp', () => {
    expect(toRawRecord('in', 3, message({}))).toEqual({
      topic: 'in',
      partition: 3,
      offset: '42',
      key: Buffer.from('k'),
      value: Buffer.from('v'),
      headers: {},
      timestamp: 1700000000000,
    });
  });

  it('turns headers into single Buffers: the first of a repeated one, strings encoded, undefined dropped', () => {
    const raw = toRawRecord('in', 0, message({ a: Buffer.from('1'), b: 'two', c: [Buffer.from('first'), Buffer.from('second')], d: undefined }));
    expect(raw.headers).toEqual({ a: Buffer.from('1'), b: Buffer.from('two'), c: Buffer.from('first') });
  });

  it('takes a message without headers', () => {
    expect(toRawRecord('in', 0, message(undefined)).headers).toEqual({});
  });
});
