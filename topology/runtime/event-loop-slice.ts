/**
 * The event loop's time, shared by everything in one engine that runs records synchronously: the
 * batch feeder and every state task's queue. Whoever finds the slice spent waits for a later turn of
 * the event loop (timers, socket reads, producer acknowledgements and database answers run meanwhile)
 * and goes on in a new slice.
 *
 * Invariant: work that asks `due()` between its units runs at most `maxBlockingMs` (plus one unit)
 * before the event loop gets a turn, however many workers there are: the slice is one for all of them,
 * so twelve tasks woken in the same turn share one slice instead of taking one each, and everyone who
 * found it spent waits on the same turn.
 */

/** 10 ms: well under a 100 ms latency budget, and a turn per 10 ms costs nothing measurable. */
export const DEFAULT_MAX_BLOCKING_MS = 10;

// Taken once: a test that fakes timers after this module loaded still gets real turns of the loop.
const nextTurn = globalThis.setImmediate;

export class EventLoopSlice {
  private since = performance.now();
  private turn: Promise<void> | undefined;

  constructor(readonly maxBlockingMs: number = DEFAULT_MAX_BLOCKING_MS) {}

  /** Undefined while the slice lasts; else a promise resolved on a later turn, when a new slice has begun. */
  due(now: number = performance.now()): Promise<void> | undefined {
    if (now - this.since <= this.maxBlockingMs) return undefined;
    return (this.turn ??= new Promise<void>((resolve) =>
      nextTurn(() => {
        this.turn = undefined;
        this.since = performance.now();
        resolve();
      }),
    ));
  }
}
