import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TaskOutbox } from './task-outbox.js';

describe('TaskOutbox', () => {
  it('releases an item only when it and every item opened before it are ready, in opening order', () => {
    const box = new TaskOutbox<string>();
    const a = box.open('a');
    const b = box.open('b');
    const c = box.open('c');
    expect(box.ready(b)).toEqual([]);
    expect(box.ready(c)).toEqual([]);
    expect(box.ready(a)).toEqual(['a', 'b', 'c']);
    expect(box.size).toBe(0);
  });

  it('refuses to mark a slot ready twice', () => {
    const box = new TaskOutbox<number>();
    const s = box.open(1);
    box.ready(s);
    expect(() => box.ready(s)).toThrow(/twice/);
  });

  it('clear() hands back the ready items that still waited for a predecessor, and forgets everything', () => {
    const box = new TaskOutbox<number>();
    box.open(1);
    const two = box.open(2);
    box.open(3);
    box.ready(two);
    expect(box.clear()).toEqual([2]);
    expect(box.size).toBe(0);
  });

  it('property: whatever the order of readiness, items leave exactly once, in opening order, never before a predecessor is ready', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1500 }).chain((n) => fc.tuple(fc.constant(n), fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }))),
        ([n, order]) => {
          const box = new TaskOutbox<number>();
          const slots = [...Array(n).keys()].map((i) => box.open(i));
          const ready = new Set<number>();
          const released: number[] = [];
          let readyPrefix = 0; // every item below it is ready
          for (const i of order) {
            ready.add(i);
            while (ready.has(readyPrefix)) readyPrefix++;
            for (const item of box.ready(slots[i]!)) {
              if (item >= readyPrefix) throw new Error(`item ${item} left before a predecessor was ready`);
              released.push(item);
            }
          }
          expect(released).toEqual([...Array(n).keys()]);
          expect(box.size).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
