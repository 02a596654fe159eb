import { describe, expect, it } from 'vitest';
import { EventLoopSlice } from './event-loop-slice.js';
import type { RawRecord } from '../records.js';
import { StateTask } from './state-task.js';
import { RecordTicket } from './ticket.js';

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('EventLoopSlice', () => {
  it('is not due while the slice lasts, and due once it is spent', async () => {
    const slice = new EventLoopSlice(5);
    expect(slice.due()).toBeUndefined();
    busy(6);
    const turn = slice.due();
    expect(turn).toBeInstanceOf(Promise);
    await turn;
    // A new slice began on the later turn.
    expect(slice.due()).toBeUndefined();
  });

  it('lets every worker that found it spent wait on the same turn, and lets the loop run before it', async () => {
    const slice = new EventLoopSlice(0);
    busy(1);
    let loopRan = false;
    setImmediate(() => (loopRan = true));
    const first = slice.due();
    const second = slice.due();
    expect(second).toBe(first);
    await first;
    expect(loopRan).toBe(true);
  });
});

describe('a state task under a slice', () => {
  const raw = (offset: number): RawRecord => ({ topic: 'in', partition: 0, offset: String(offset), key: null, value: null, timestamp: 0, headers: {} });

  it('gives the event loop a turn between steps once the slice is spent, and runs every step in order', async () => {
    const task = new StateTask({
      partition: 0,
      applicationId: 'app',
      stores: [],
      slice: new EventLoopSlice(5),
      failed: (e) => {
        throw e;
      },
      wake: () => undefined,
    });
    const ran: number[] = [];
    const turns: number[] = [];
    // A timer-phase observer: how many steps had run each time the event loop got a turn.
    const observe = () => {
      turns.push(ran.length);
      if (ran.length < 20) setImmediate(observe);
    };
    setImmediate(observe);
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    for (let i = 0; i < 20; i++) {
      const ticket = new RecordTicket(raw(i), { done: () => undefined, failed: () => undefined });
      task.enqueue({
        ticket,
        run: () => {
          busy(2);
          ran.push(i);
          if (i === 19) finish();
        },
      });
    }
    await finished;
    expect(ran).toEqual([...Array(20).keys()]);
    // 20 steps of 2 ms with a 5 ms slice: the loop got turns in between, each after a few steps, never after all 20.
    const between = turns.filter((n) => n > 0 && n < 20);
    expect(between.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < between.length; i++) expect(between[i]! - between[i - 1]!).toBeLessThanOrEqual(4);
  });
});
