import { describe, expect, it } from 'vitest';
import { PartitionCapacity } from './capacity.js';

const woken = (promise: Promise<void> | undefined) => {
  const state = { woken: false };
  void promise?.then(() => (state.woken = true));
  return state;
};
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('PartitionCapacity', () => {
  it('makes a reader wait only when its partition is full', () => {
    const capacity = new PartitionCapacity(2);
    expect(capacity.waitFor('t', 0, 1)).toBeUndefined();
    expect(capacity.waitFor('t', 0, 2)).toBeInstanceOf(Promise);
  });

  it('wakes the waiters of one partition only, and each once', async () => {
    const capacity = new PartitionCapacity(1);
    const a = woken(capacity.waitFor('t', 0, 1));
    const b = woken(capacity.waitFor('t', 1, 1));
    const c = woken(capacity.waitFor('u', 0, 1));
    capacity.wake('t', 0);
    capacity.wake('t', 0); // nobody left: a no-op
    await settle();
    expect([a.woken, b.woken, c.woken]).toEqual([true, false, false]);
  });

  it('does not count records excused (waiting only on their changelog write), up to the excusable number across partitions', () => {
    const capacity = new PartitionCapacity(2, 3);
    capacity.excuse('t', 0);
    capacity.excuse('t', 0);
    // Three in flight, two of them excused: one counts.
    expect(capacity.hasRoom('t', 0, 3)).toBe(true);
    expect(capacity.waitFor('t', 0, 3)).toBeUndefined();
    // Another partition's excused records are not this one's.
    capacity.excuse('t', 1);
    expect(capacity.hasRoom('t', 1, 2)).toBe(true);
    expect(capacity.hasRoom('u', 0, 2)).toBe(false);
    // Past the excusable number (all partitions together), every record counts again: the memory bound.
    capacity.excuse('t', 0);
    expect(capacity.hasRoom('t', 0, 4)).toBe(false);
    expect(capacity.waitFor('t', 0, 4)).toBeInstanceOf(Promise);
    capacity.unexcuse('t', 0);
    expect(capacity.hasRoom('t', 0, 3)).toBe(true);
    capacity.unexcuse('t', 0);
    capacity.unexcuse('t', 0);
    capacity.unexcuse('t', 1);
    expect(capacity.hasRoom('t', 0, 2)).toBe(false);
  });

  it('wakes everyone on close and lets nobody wait afterwards', async () => {
    const capacity = new PartitionCapacity(1);
    const a = woken(capacity.waitFor('t', 0, 5));
    const b = woken(capacity.waitFor('u', 3, 5));
    capacity.close();
    await settle();
    expect([a.woken, b.woken]).toEqual([true, true]);
    expect(capacity.waitFor('t', 0, 5)).toBeUndefined();
  });
});
