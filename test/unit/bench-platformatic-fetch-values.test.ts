import { createRecordsBatch, IS_CONTROL, Reader, readRecordsBatches, type fetchV17, type RecordsBatch } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { eachFetchedValue } from '../../bench/platformatic-fetch-values.js';

/** A batch of `values` from `firstOffset`, through the client's own encoder and decoder. */
function batch(firstOffset: bigint, values: string[], attributes = 0): RecordsBatch {
  const encoded = createRecordsBatch(values.map((v) => ({ topic: 't', value: Buffer.from(v) })));
  const [decoded] = readRecordsBatches(Reader.from(encoded));
  if (!decoded) throw new Error('no batch');
  return { ...decoded, firstOffset, attributes };
}

function response(partitions: { index: number; batches: RecordsBatch[]; errorCode?: number }[]): fetchV17.FetchResponse {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topicId: 'id',
        partitions: partitions.map((p) => ({
          partitionIndex: p.index,
          errorCode: p.errorCode ?? 0,
          highWatermark: 0n,
          lastStableOffset: 0n,
          logStartOffset: 0n,
          abortedTransactions: [],
          preferredReadReplica: -1,
          records: p.batches,
        })),
      },
    ],
  };
}

const read = (r: fetchV17.FetchResponse, next: Map<number, bigint>): string[] => {
  const values: string[] = [];
  eachFetchedValue(r, next, (v) => values.push(v?.toString() ?? 'null'));
  return values;
};

describe('the values of a raw @platformatic/kafka fetch', () => {
  it('hands over every value in order and moves each partition past its last batch', () => {
    const next = new Map([
      [0, 0n],
      [1, 10n],
    ]);
    const values = read(
      response([
        { index: 0, batches: [batch(0n, ['a', 'b']), batch(2n, ['c'])] },
        { index: 1, batches: [batch(10n, ['x'])] },
      ]),
      next,
    );
    expect(values).toEqual(['a', 'b', 'c', 'x']);
    expect(next).toEqual(
      new Map([
        [0, 3n],
        [1, 11n],
      ]),
    );
  });

  it('skips the records of a batch that come before the offset asked for', () => {
    const next = new Map([[0, 5n]]);
    expect(read(response([{ index: 0, batches: [batch(3n, ['d', 'e', 'f', 'g'])] }]), next)).toEqual(['f', 'g']);
    expect(next.get(0)).toBe(7n);
  });

  it('steps over control batches without handing over their records', () => {
    const next = new Map([[0, 0n]]);
    expect(read(response([{ index: 0, batches: [batch(0n, ['a']), batch(1n, ['marker'], IS_CONTROL), batch(2n, ['b'])] }]), next)).toEqual(['a', 'b']);
    expect(next.get(0)).toBe(3n);
  });

  it("stops at a partition's error", () => {
    expect(() => read(response([{ index: 0, batches: [], errorCode: 1 }]), new Map([[0, 0n]]))).toThrow(/fetch error 1 on partition 0/);
  });
});
