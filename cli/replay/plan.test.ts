import { describe, expect, it } from 'vitest';
import { planReplay, PlanError, type PartitionBounds } from './plan.js';

const bounds: PartitionBounds[] = [
  { partition: 0, low: 0n, high: 100n },
  { partition: 1, low: 50n, high: 80n },
  { partition: 2, low: 0n, high: 0n },
];
const all = (offset: (b: PartitionBounds) => bigint) => new Map(bounds.map((b) => [b.partition, offset(b)]));

describe('planReplay', () => {
  it('reads from start to end on every partition given', () => {
    const plan = planReplay({ topic: 't', bounds, start: all((b) => b.low), end: all((b) => b.high) });
    expect(plan.partitions).toEqual([
      { partition: 0, start: 0n, end: 100n, records: 100 },
      { partition: 1, start: 50n, end: 80n, records: 30 },
      { partition: 2, start: 0n, end: 0n, records: 0 },
    ]);
    expect(plan.totalRecords).toBe(130);
    expect(plan.warnings).toEqual([]);
  });

  it('replays only the partitions listed', () => {
    const plan = planReplay({ topic: 't', bounds, start: new Map([[1, 60n]]), end: all((b) => b.high) });
    expect(plan.partitions).toEqual([{ partition: 1, start: 60n, end: 80n, records: 20 }]);
    expect(plan.totalRecords).toBe(20);
  });

  it('starts at the log start when older offsets are gone, and says so', () => {
    const plan = planReplay({ topic: 't', bounds, start: new Map([[1, 10n]]), end: new Map() });
    expect(plan.partitions[0]).toEqual({ partition: 1, start: 50n, end: 80n, records: 30 });
    expect(plan.warnings[0]).toMatch(/partition 1: offsets before 50 were deleted/);
  });

  it('has nothing to read past the end, and says so', () => {
    const plan = planReplay({ topic: 't', bounds, start: new Map([[0, 500n]]), end: new Map() });
    expect(plan.partitions[0]).toEqual({ partition: 0, start: 100n, end: 100n, records: 0 });
    expect(plan.warnings[0]).toMatch(/past the end/);
  });

  it('never ends past the high watermark nor before the start', () => {
    const plan = planReplay({
      topic: 't',
      bounds,
      start: all(() => 60n),
      end: new Map([
        [0, 1000n],
        [1, 55n],
      ]),
    });
    expect(plan.partitions.map((p) => [p.start, p.end, p.records])).toEqual([
      [60n, 100n, 40],
      [60n, 60n, 0],
      [0n, 0n, 0],
    ]);
  });

  it('ends at offsets found by time', () => {
    const plan = planReplay({
      topic: 't',
      bounds,
      start: all((b) => b.low),
      end: new Map([
        [0, 40n],
        [1, 50n],
        [2, 0n],
      ]),
    });
    expect(plan.totalRecords).toBe(40);
  });

  it('refuses a partition the topic does not have', () => {
    expect(() => planReplay({ topic: 't', bounds, start: new Map([[7, 0n]]), end: new Map() })).toThrow(PlanError);
    expect(() => planReplay({ topic: 't', bounds, start: new Map([[7, 0n]]), end: new Map() })).toThrow(
      /partition 7 does not exist in t \(it has partitions 0, 1, 2\)/,
    );
  });
});
