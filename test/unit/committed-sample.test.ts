import { describe, expect, it } from 'vitest';
import { checkCommittedSample } from '../reliability/support/destinations.js';
import { bytesIdentity, type ProducedRecord } from '../reliability/support/load.js';

/** Offsets 0 and 1 of partition 0: a storable reading and an illegal one. */
const stored: ProducedRecord = {
  label: 'load',
  topic: 't',
  key: 'a',
  value: Buffer.from('a'),
  bytesId: bytesIdentity('a', Buffer.from('a')),
  rowId: 'a\u00001',
  fate: { kind: 'stored' },
  position: { topic: 't', partition: 0, offset: '0' },
  sends: 1,
};
const illegal: ProducedRecord = {
  label: 'load',
  topic: 't',
  key: 'b',
  value: Buffer.from('b'),
  bytesId: bytesIdentity('b', Buffer.from('b')),
  fate: { kind: 'dlq', errorClass: 'validation' },
  position: { topic: 't', partition: 0, offset: '1' },
  sends: 1,
};
const sample = { at: 1_000, offsets: new Map([[0, 2n]]) };
const row = new Map([['a\u00001', { count: 1, receivedAt: 900 }]]);

describe('checkCommittedSample (what the crash and rebalance scenarios hold committed offsets to)', () => {
  it('passes when every committed record is stored or dead-lettered', () => {
    expect(checkCommittedSample(sample, [stored, illegal], row, new Set([illegal.bytesId]))).toEqual([]);
  });

  it('flags a committed record that is not in the DLQ, a reading whose row is not visible, and a row written after the commit', () => {
    expect(checkCommittedSample(sample, [stored, illegal], row, new Set())).toEqual([expect.stringMatching(/@1 .*committed but not dead-lettered/)]);
    expect(checkCommittedSample(sample, [stored, illegal], new Map(), new Set([illegal.bytesId]))).toEqual([
      expect.stringMatching(/@0 .*committed but not stored/),
    ]);
    expect(checkCommittedSample(sample, [stored], new Map([['a\u00001', { count: 1, receivedAt: 1_001 }]]))).toEqual([
      expect.stringMatching(/committed before its row was written/),
    ]);
  });
});
