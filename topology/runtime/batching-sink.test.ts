import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProductionError, SinkError, TransientError, ValidationError, type TopologyError } from '../errors.js';
import { ManualClock } from '../testing/manual-clock.js';
import type { BatchingOptions, BatchOutcome, BatchWriter } from '../dsl/sink-contract.js';
import { BatchingSink, DEFAULT_BATCHING, defaultIsTransient, type SinkObserver } from './batching-sink.js';

/** Lets promise chains started by the sink run to their end (no real timers involved). */
const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A writer whose every call is recorded and answered by `answer` (default: success). */
class ScriptedWriter implements BatchWriter<string> {
  readonly name = 'scripted';
  readonly calls: string[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  sizeOf?: (item: string) => number;
  isTransient?: (error: unknown) => boolean;
  constructor(private readonly answer: (batch: readonly string[], call: number) => Promise<BatchOutcome | void> = () => Promise.resolve()) {}

  async write(batch: readonly string[]): Promise<BatchOutcome | void> {
    this.calls.push([...batch]);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.answer(batch, this.calls.length);
    } finally {
      this.inFlight--;
    }
  }
}

function harness(writer: ScriptedWriter, options: Partial<BatchingOptions> = {}, observer: SinkObserver = {}) {
  const clock = new ManualClock(0);
  const controller = new AbortController();
  const sink = new BatchingSink<string>(
    writer,
    { ...DEFAULT_BATCHING, lingerMs: 100, retryInitialMs: 100, retryMaxMs: 100, ...options },
    clock,
    controller.signal,
    observer,
  );
  const written: string[] = [];
  const refused: [string, TopologyError][] = [];
  const add = (...items: string[]) => {
    for (const item of items) sink.add(item, { written: () => written.push(item), refused: (e) => refused.push([item, e]) });
  };
  return { clock, controller, sink, written, refused, add };
}

const items = (n: number) => Array.from({ length: n }, (_, i) => `i${i}`);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('BatchingSink triggers', () => {
  it('writes what lingers at once when expedited, and nothing when empty', async () => {
    const writer = new ScriptedWriter();
    const { sink, add, written } = harness(writer, { lingerMs: 60_000 });
    sink.expedite();
    expect(writer.calls).toEqual([]);
    add('a', 'b');
    await Promise.resolve();
    expect(writer.calls).toEqual([]);
    sink.expedite();
    await new Promise((resolve) => setImmediate(resolve));
    expect(writer.calls).toEqual([['a', 'b']]);
    expect(written).toEqual(['a', 'b']);
  });

  it('writes as soon as maxRecords items wait', async () => {
    const writer = new ScriptedWriter();
    const { add, written } = harness(writer, { maxRecords: 3, lingerMs: 10_000 });
    add('a', 'b');
    await settle();
    expect(writer.calls).toEqual([]);
    add('c');
    await settle();
    expect(writer.calls).toEqual([['a', 'b', 'c']]);
    expect(written).toEqual(['a', 'b', 'c']);
  });

  it('splits a large backlog into batches of at most maxRecords', async () => {
    const writer = new ScriptedWriter();
    const { add, sink, written } = harness(writer, { maxRecords: 4, lingerMs: 10_000 });
    add(...items(10));
    await sink.flush();
    expect(writer.calls.map((c) => c.length)).toEqual([4, 4, 2]);
    expect(written).toEqual(items(10));
  });

  it('writes as soon as the items waiting reach maxBytes, in batches that fit', async () => {
    const writer = new ScriptedWriter();
    writer.sizeOf = (item) => item.length;
    const { add, clock } = harness(writer, { maxBytes: 10, lingerMs: 100 });
    add('aaaa', 'bbbb');
    await settle();
    expect(writer.calls).toEqual([]);
    add('cccc'); // 12 bytes waiting
    await settle();
    expect(writer.calls).toEqual([['aaaa', 'bbbb']]);
    clock.advance(100); // the rest waits for the linger of the first item
    await settle();
    expect(writer.calls).toEqual([['aaaa', 'bbbb'], ['cccc']]);
  });

  it('writes a single item larger than maxBytes on its own', async () => {
    const writer = new ScriptedWriter();
    writer.sizeOf = (item) => item.length;
    const { add } = harness(writer, { maxBytes: 4 });
    add('way too large');
    await settle();
    expect(writer.calls).toEqual([['way too large']]);
  });

  it('writes lingerMs after the first item of a batch arrived, however few there are', async () => {
    const writer = new ScriptedWriter();
    const { add, clock, written } = harness(writer, { lingerMs: 100 });
    add('a');
    clock.advance(60);
    add('b');
    clock.advance(39);
    await settle();
    expect(writer.calls).toEqual([]);
    clock.advance(1);
    await settle();
    expect(writer.calls).toEqual([['a', 'b']]);
    expect(written).toEqual(['a', 'b']);
  });

  it('flush() writes everything buffered at once, ignoring linger', async () => {
    const writer = new ScriptedWriter();
    const { add, sink, written, clock } = harness(writer, { lingerMs: 10_000 });
    add('a', 'b');
    await sink.flush();
    expect(writer.calls).toEqual([['a', 'b']]);
    expect(written).toEqual(['a', 'b']);
    expect(sink.buffered).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('reports each flush to the observer', async () => {
    const flushed = vi.fn();
    const writer = new ScriptedWriter();
    const { add, sink } = harness(writer, {}, { flushed });
    add('a', 'b');
    await sink.flush();
    expect(flushed).toHaveBeenCalledWith('scripted', 2, 0);
  });
});

describe('BatchingSink concurrency', () => {
  it('keeps one write in flight at a time, and acknowledges nothing before its write returned', async () => {
    const gates = [deferred(), deferred()];
    const writer = new ScriptedWriter((_batch, call) => gates[call - 1]!.promise);
    const { add, written } = harness(writer, { maxRecords: 2 });
    add('a', 'b');
    await settle();
    add('c', 'd'); // a full batch, but a write is in flight
    await settle();
    expect(writer.calls).toEqual([['a', 'b']]);
    expect(written).toEqual([]);
    gates[0]!.resolve();
    await settle();
    expect(written).toEqual(['a', 'b']);
    expect(writer.calls).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    gates[1]!.resolve();
    await settle();
    expect(written).toEqual(['a', 'b', 'c', 'd']);
    expect(writer.maxInFlight).toBe(1);
  });

  it('runs up to maxConcurrentWrites writes at once, acknowledging each batch when its own write returns', async () => {
    const gates = [deferred(), deferred(), deferred()];
    const writer = new ScriptedWriter((_batch, call) => gates[call - 1]!.promise);
    const { add, written } = harness(writer, { maxRecords: 2, maxConcurrentWrites: 2 });
    add('a', 'b', 'c', 'd', 'e', 'f');
    await settle();
    expect(writer.calls).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    gates[1]!.resolve(); // the second batch returns first
    await settle();
    expect(written).toEqual(['c', 'd']);
    expect(writer.calls).toHaveLength(3); // its slot went to the next batch
    gates[0]!.resolve();
    gates[2]!.resolve();
    await settle();
    expect(written).toEqual(['c', 'd', 'a', 'b', 'e', 'f']);
    expect(writer.maxInFlight).toBe(2);
  });

  it('flush() waits for every concurrent write, including one started while it waited', async () => {
    const gates = [deferred(), deferred(), deferred()];
    const writer = new ScriptedWriter((_batch, call) => gates[call - 1]!.promise);
    const { add, sink, written } = harness(writer, { maxRecords: 2, maxConcurrentWrites: 2, lingerMs: 10_000 });
    add('a', 'b', 'c', 'd');
    let flushed = false;
    const flushing = sink.flush().then(() => (flushed = true));
    await settle();
    add('e'); // below maxRecords, linger far away: flush() must still write it
    gates[0]!.resolve();
    await settle();
    expect(flushed).toBe(false);
    expect(writer.calls[2]).toEqual(['e']);
    gates[1]!.resolve();
    await settle();
    expect(flushed).toBe(false);
    gates[2]!.resolve();
    await flushing;
    expect(written.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('gives items that arrive during a write, without filling a batch, their own linger', async () => {
    const gate = deferred();
    const writer = new ScriptedWriter((_b, call) => (call === 1 ? gate.promise : Promise.resolve()));
    const { add, clock, written } = harness(writer, { lingerMs: 100 });
    add('a');
    clock.advance(100); // t=100: write [a] starts
    await settle();
    add('b'); // arrives at t=100, during the write
    clock.advance(50);
    gate.resolve();
    await settle();
    expect(writer.calls).toEqual([['a']]);
    clock.advance(49); // t=199
    await settle();
    expect(writer.calls).toHaveLength(1);
    clock.advance(1); // t=200: b's linger
    await settle();
    expect(writer.calls).toEqual([['a'], ['b']]);
    expect(written).toEqual(['a', 'b']);
  });

  it('writes items whose linger expired during a write right after it', async () => {
    const gate = deferred();
    const writer = new ScriptedWriter((_b, call) => (call === 1 ? gate.promise : Promise.resolve()));
    const { add, clock } = harness(writer, { lingerMs: 100 });
    add('a');
    clock.advance(100);
    await settle();
    add('b');
    clock.advance(150); // b's linger passes while [a] is still being written
    await settle();
    expect(writer.calls).toEqual([['a']]);
    gate.resolve();
    await settle();
    expect(writer.calls).toEqual([['a'], ['b']]);
  });
});

describe('BatchingSink failures', () => {
  it('retries a transient failure unchanged after the backoff, acknowledging nothing until it succeeds', async () => {
    const retrying = vi.fn();
    const writer = new ScriptedWriter((_b, call) => (call < 3 ? Promise.reject(new TransientError('db away')) : Promise.resolve()));
    const { add, sink, clock, written, refused } = harness(writer, { retryInitialMs: 100, retryMaxMs: 100 }, { retrying });
    add('a', 'b');
    const flushed = sink.flush();
    await settle();
    expect(writer.calls).toHaveLength(1);
    clock.advance(99);
    await settle();
    expect(writer.calls).toHaveLength(1);
    expect(written).toEqual([]);
    clock.advance(1);
    await settle();
    expect(writer.calls).toHaveLength(2);
    expect(written).toEqual([]);
    clock.advance(100);
    await flushed;
    expect(writer.calls).toEqual([
      ['a', 'b'],
      ['a', 'b'],
      ['a', 'b'],
    ]);
    expect(written).toEqual(['a', 'b']);
    expect(refused).toEqual([]);
    expect(retrying.mock.calls.map((c: unknown[]) => c[1])).toEqual([1, 2]);
  });

  it('backs off exponentially up to retryMaxMs', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1); // no jitter: each wait is its ceiling
    const writer = new ScriptedWriter((_b, call) => (call <= 4 ? Promise.reject(new TransientError('away')) : Promise.resolve()));
    const { add, sink, clock } = harness(writer, { retryInitialMs: 100, retryMaxMs: 300 });
    add('a');
    const flushed = sink.flush();
    const callsAt: number[] = [];
    for (let t = 0; t <= 1000 && writer.calls.length < 5; t += 10) {
      await settle();
      while (callsAt.length < writer.calls.length) callsAt.push(clock.now());
      clock.advance(10);
    }
    await flushed;
    // waits of 100, 200, 300 (capped), 300
    expect(callsAt).toEqual([0, 100, 300, 600, 900]);
  });

  it('treats TransientError and transient SinkErrors as transient by default, nothing else', () => {
    expect(defaultIsTransient(new TransientError('x'))).toBe(true);
    expect(defaultIsTransient(new SinkError('x', true))).toBe(true);
    expect(defaultIsTransient(new SinkError('x', false))).toBe(false);
    expect(defaultIsTransient(new Error('x'))).toBe(false);
  });

  it("uses the writer's isTransient when it has one", async () => {
    const writer = new ScriptedWriter((_b, call) => (call === 1 ? Promise.reject(new Error('deadlock')) : Promise.resolve()));
    writer.isTransient = (e) => e instanceof Error && e.message === 'deadlock';
    const { add, sink, clock, written, refused } = harness(writer);
    add('a', 'b');
    const flushed = sink.flush();
    await settle();
    clock.advance(100);
    await flushed;
    expect(writer.calls).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
    expect(written).toEqual(['a', 'b']);
    expect(refused).toEqual([]);
  });

  it('calls an isTransient method on its writer, so the method may use this', async () => {
    class ThisWriter implements BatchWriter<string> {
      readonly name = 'this';
      calls = 0;
      private readonly retryable = 'deadlock';
      write(): Promise<void> {
        return ++this.calls === 1 ? Promise.reject(new Error('deadlock')) : Promise.resolve();
      }
      isTransient(error: unknown): boolean {
        return error instanceof Error && error.message === this.retryable;
      }
    }
    const writer = new ThisWriter();
    const clock = new ManualClock(0);
    const sink = new BatchingSink<string>(writer, { ...DEFAULT_BATCHING, retryInitialMs: 100, retryMaxMs: 100 }, clock, new AbortController().signal);
    const written: string[] = [];
    sink.add('a', { written: () => written.push('a'), refused: () => undefined });
    const flushed = sink.flush();
    await settle();
    clock.advance(100);
    await flushed;
    expect(writer.calls).toBe(2);
    expect(written).toEqual(['a']);
  });

  it('splits a batch failing for good until each poison item stands alone, and refuses only those', async () => {
    const isolated = vi.fn();
    const poison = new Set(['i3', 'i7']);
    const writer = new ScriptedWriter((batch) => (batch.some((i) => poison.has(i)) ? Promise.reject(new Error('constraint violated')) : Promise.resolve()));
    const { add, sink, written, refused } = harness(writer, { maxRecords: 10 }, { isolated });
    add(...items(10));
    await sink.flush();
    expect(writer.calls).toEqual([
      ['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7', 'i8', 'i9'],
      ['i0', 'i1', 'i2', 'i3', 'i4'],
      ['i0', 'i1', 'i2'],
      ['i3', 'i4'],
      ['i3'],
      ['i4'],
      ['i5', 'i6', 'i7', 'i8', 'i9'],
      ['i5', 'i6', 'i7'],
      ['i5', 'i6'],
      ['i7'],
      ['i8', 'i9'],
    ]);
    expect(written).toEqual(['i0', 'i1', 'i2', 'i4', 'i5', 'i6', 'i8', 'i9']);
    expect(refused.map(([item]) => item)).toEqual(['i3', 'i7']);
    const [, error] = refused[0]!;
    expect(error).toBeInstanceOf(SinkError);
    expect(error.errorClass).toBe('sink');
    expect((error as SinkError).transient).toBe(false);
    expect(error.message).toBe('scripted: constraint violated');
    expect(isolated).toHaveBeenCalledTimes(2);
  });

  it('refuses an isolated item with the TopologyError the writer threw, as it is', async () => {
    const thrown = new ValidationError('fits-column', 'too long for the column');
    const writer = new ScriptedWriter(() => Promise.reject(thrown));
    const { add, sink, refused } = harness(writer);
    add('a');
    await sink.flush();
    expect(refused).toEqual([['a', thrown]]);
  });

  it('retries a transient failure met while isolating a poison item', async () => {
    let flaky = true;
    const writer = new ScriptedWriter((batch) => {
      if (batch.includes('bad')) return Promise.reject(new Error('bad row'));
      if (batch.length === 1 && flaky) {
        flaky = false;
        return Promise.reject(new TransientError('blip'));
      }
      return Promise.resolve();
    });
    const { add, sink, clock, written, refused } = harness(writer);
    add('good', 'bad');
    const flushed = sink.flush();
    await settle();
    clock.advance(100);
    await flushed;
    expect(writer.calls).toEqual([['good', 'bad'], ['good'], ['good'], ['bad']]);
    expect(written).toEqual(['good']);
    expect(refused.map(([i]) => i)).toEqual(['bad']);
  });

  it('refuses the items a writer returns as rejected and acknowledges the rest of the batch', async () => {
    const reason = new ProductionError('does not fit');
    const writer = new ScriptedWriter(() => Promise.resolve({ rejected: new Map([[1, reason]]) }));
    const { add, sink, written, refused } = harness(writer);
    add('a', 'b', 'c');
    await sink.flush();
    expect(writer.calls).toEqual([['a', 'b', 'c']]);
    expect(written).toEqual(['a', 'c']);
    expect(refused).toEqual([['b', reason]]);
  });
});

describe('BatchingSink stopping', () => {
  it('stops retrying when aborted and leaves the items unacknowledged', async () => {
    const writer = new ScriptedWriter(() => Promise.reject(new TransientError('away')));
    const { add, sink, clock, controller, written, refused } = harness(writer);
    add('a', 'b');
    const flushed = sink.flush();
    await settle();
    expect(writer.calls).toHaveLength(1);
    controller.abort(new Error('stopping'));
    await flushed;
    clock.advance(10_000);
    await settle();
    expect(writer.calls).toHaveLength(1);
    expect(written).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('writes nothing more once aborted, and flush() still returns', async () => {
    const writer = new ScriptedWriter();
    const { add, sink, clock, controller, written } = harness(writer);
    add('a');
    controller.abort(new Error('stopping'));
    await sink.flush();
    clock.advance(1000);
    await settle();
    expect(writer.calls).toEqual([]);
    expect(written).toEqual([]);
  });

  it('close() cancels the linger timer, leaving buffered items unwritten', async () => {
    const writer = new ScriptedWriter();
    const { add, sink, clock } = harness(writer);
    add('a');
    expect(clock.pendingTimers).toBe(1);
    sink.close();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(1000);
    await settle();
    expect(writer.calls).toEqual([]);
    expect(sink.buffered).toBe(1);
  });
});
