import { describe, expect, it } from 'vitest';
import { Fifo } from './fifo.js';

describe('Fifo', () => {
  it('gives items back in the order they were pushed, and unshift puts one first', () => {
    const q = new Fifo<number>();
    for (let i = 0; i < 5; i++) q.push(i);
    expect(q.shift()).toBe(0);
    q.unshift(-1); // into the slot the shift freed
    expect(q.shift()).toBe(-1);
    q.shift();
    q.unshift(-2);
    q.unshift(-3);
    expect([q.length, q.shift(), q.shift(), q.shift()]).toEqual([5, -3, -2, 2]);
  });

  it('unshifts into an empty or unshifted queue, and shifts undefined once empty', () => {
    const q = new Fifo<string>();
    expect(q.shift()).toBeUndefined();
    q.unshift('b');
    q.unshift('a');
    q.push('c');
    expect([q.shift(), q.shift(), q.shift(), q.shift(), q.length]).toEqual(['a', 'b', 'c', undefined, 0]);
  });

  it('keeps the order across its compactions, with pushes and shifts interleaved', () => {
    const q = new Fifo<number>();
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) q.push(next++);
      for (let i = 0; i < 60; i++) out.push(q.shift()!);
    }
    while (q.length > 0) out.push(q.shift()!);
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
  });
});
