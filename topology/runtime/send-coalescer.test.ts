import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SendCoalescer, type TopicSend } from './send-coalescer.js';

/** A message is its send's number; a negative one is refused by the broker, failing any request it is in. */
type Message = number;

interface Request {
  readonly sends: readonly TopicSend<Message>[];
  settle(): void;
}

const isRecordFault = (error: unknown) => error instanceof Error && error.message === 'refused';

/** A destination whose requests complete only when the test says so; it counts how many are in flight. */
function destination() {
  let away = false;
  const requests: Request[] = [];
  const completed: TopicSend<Message>[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const sendAll = (sends: readonly TopicSend<Message>[]) =>
    new Promise<void>((resolve, reject) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      requests.push({
        sends,
        settle: () => {
          inFlight--;
          if (away) reject(new Error('broker away'));
          else if (sends.some((s) => s.messages.some((m) => m < 0))) reject(new Error('refused'));
          else {
            completed.push([...sends]);
            resolve();
          }
        },
      });
    });
  const flush = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return {
    sendAll,
    requests,
    completed,
    maxInFlight: () => maxInFlight,
    setAway: (value: boolean) => (away = value),
    /** Completes the oldest request still open, then lets the coalescer start its next one. */
    async completeNext(): Promise<boolean> {
      const next = requests.shift();
      if (!next) return false;
      next.settle();
      await flush();
      return true;
    },
    flush,
  };
}

describe('SendCoalescer', () => {
  it('sends alone when idle, and gathers what arrives meanwhile into the next request, one send per topic', async () => {
    const dest = destination();
    const coalescer = new SendCoalescer<Message>(dest.sendAll, isRecordFault);
    const done: string[] = [];
    const track = (name: string, p: Promise<void>) => p.then(() => done.push(name));
    void track('a1', coalescer.send('a', [1]));
    await dest.flush();
    expect(dest.requests.map((r) => r.sends.map((s) => s.topic))).toEqual([['a']]);
    void track('b2', coalescer.send('b', [2]));
    void track('a3', coalescer.send('a', [3]));
    void track('c4', coalescer.send('c', [4]));
    void track('a5', coalescer.send('a', [5]));
    await dest.flush();
    expect(dest.requests).toHaveLength(1); // one in flight at a time
    await dest.completeNext();
    expect(done).toEqual(['a1']);
    expect(dest.requests.map((r) => r.sends.map((s) => `${s.topic}${s.messages[0]}`))).toEqual([['b2', 'a3', 'c4']]);
    await dest.completeNext();
    expect(dest.requests.map((r) => r.sends.map((s) => `${s.topic}${s.messages[0]}`))).toEqual([['a5']]);
    await dest.completeNext();
    expect(done).toEqual(['a1', 'b2', 'a3', 'c4', 'a5']);
  });

  it('fails only the send whose record was refused, not the others in its request', async () => {
    const dest = destination();
    const coalescer = new SendCoalescer<Message>(dest.sendAll, isRecordFault);
    const first = coalescer.send('a', [1]);
    await dest.flush();
    const good = coalescer.send('b', [2]);
    const bad = coalescer.send('c', [-3]);
    await dest.completeNext();
    await dest.completeNext(); // b and c together: refused
    await dest.completeNext(); // b alone
    await dest.completeNext(); // c alone
    await expect(first).resolves.toBeUndefined();
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow('refused');
  });

  it('fails every send of a request the destination failed, as it is, without sending any of them again alone', async () => {
    const dest = destination();
    const coalescer = new SendCoalescer<Message>(dest.sendAll, isRecordFault);
    const first = coalescer.send('a', [1]);
    await dest.flush();
    const others = [coalescer.send('b', [2]), coalescer.send('c', [3])];
    await dest.completeNext();
    await first;
    dest.setAway(true);
    await dest.completeNext();
    for (const send of others) await expect(send).rejects.toThrow('broker away');
    expect(dest.requests).toHaveLength(0);
  });

  it('property: each send settles by its own records, a topic keeps its order, a request holds a topic once, one request in flight', async () => {
    const command = fc.oneof(
      fc.record({ kind: fc.constant('send' as const), topic: fc.constantFrom('a', 'b', 'c'), refused: fc.boolean() }),
      fc.record({ kind: fc.constant('complete' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 40 }), async (commands) => {
        const dest = destination();
        const coalescer = new SendCoalescer<Message>(dest.sendAll, isRecordFault);
        const outcomes = new Map<number, 'ok' | 'refused'>();
        const made: { topic: string; id: number; refused: boolean }[] = [];
        for (const c of commands) {
          if (c.kind === 'complete') {
            await dest.completeNext();
            continue;
          }
          const id = made.length + 1;
          made.push({ topic: c.topic, id, refused: c.refused });
          coalescer.send(c.topic, [c.refused ? -id : id]).then(
            () => outcomes.set(id, 'ok'),
            () => outcomes.set(id, 'refused'),
          );
          await dest.flush();
        }
        while (await dest.completeNext());
        expect(dest.maxInFlight()).toBeLessThanOrEqual(1);
        for (const m of made) expect(outcomes.get(m.id)).toBe(m.refused ? 'refused' : 'ok');
        for (const request of dest.completed) expect(new Set(request.map((s) => s.topic)).size).toBe(request.length);
        for (const topic of ['a', 'b', 'c']) {
          const delivered = dest.completed.flatMap((r) => r.filter((s) => s.topic === topic).map((s) => s.messages[0]!));
          expect(delivered).toEqual(made.filter((m) => m.topic === topic && !m.refused).map((m) => m.id));
        }
      }),
      { numRuns: 300 },
    );
  });
});
