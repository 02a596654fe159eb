import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChangelogBuffer, type ChangelogBatch } from './changelog-buffer.js';

const log = (b: ChangelogBuffer, key: string) => b.logChange(Buffer.from(key), Buffer.from('v'), 0);

describe('ChangelogBuffer', () => {
  it('hands out changes in order and in batches of at most max', () => {
    const b = new ChangelogBuffer();
    for (const k of ['a', 'b', 'c']) log(b, k);
    const first = b.take(2)!;
    expect(first.changes.map((c) => c.key.toString())).toEqual(['a', 'b']);
    expect(first.upTo).toBe(2);
    expect(b.take()!.changes.map((c) => c.key.toString())).toEqual(['c']);
    expect(b.take()).toBeUndefined();
  });

  it('calls a record durable only when every batch up to its last change is acknowledged, in any order', () => {
    const b = new ChangelogBuffer();
    log(b, 'a');
    const first = b.take()!;
    log(b, 'b');
    const record = b.lastSequence;
    const second = b.take()!;
    let durable = false;
    b.onDurable(record, () => (durable = true));
    second.acknowledge();
    expect(durable).toBe(false);
    expect(b.durableSequence).toBe(0);
    first.acknowledge();
    expect(durable).toBe(true);
    expect(b.durableSequence).toBe(2);
  });

  it('runs a callback at once when its changes are already durable, and for a record that changed nothing', () => {
    const b = new ChangelogBuffer();
    let calls = 0;
    b.onDurable(b.lastSequence, () => calls++);
    expect(calls).toBe(1);
  });

  it('refuses a batch acknowledged twice', () => {
    const b = new ChangelogBuffer();
    log(b, 'a');
    const batch = b.take()!;
    batch.acknowledge();
    expect(() => batch.acknowledge()).toThrow(/acknowledged twice/);
  });

  type Step = { kind: 'log' } | { kind: 'mark' } | { kind: 'take'; max: number } | { kind: 'ack'; pick: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.constant({ kind: 'log' as const }),
    fc.constant({ kind: 'mark' as const }),
    fc.record({ kind: fc.constant('take' as const), max: fc.integer({ min: 1, max: 4 }) }),
    fc.record({ kind: fc.constant('ack' as const), pick: fc.nat() }),
  );

  it('never calls a record durable before all its changes are acknowledged, and calls each exactly once in the end (property)', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const b = new ChangelogBuffer();
        const acked = new Set<number>();
        const open: ChangelogBatch[] = [];
        const calls = new Map<number, number>();
        let marks = 0;
        const allAckedUpTo = (seq: number) => {
          for (let s = 1; s <= seq; s++) if (!acked.has(s)) return false;
          return true;
        };
        const ack = (batch: ChangelogBatch) => {
          for (let s = batch.upTo - batch.changes.length + 1; s <= batch.upTo; s++) acked.add(s);
          batch.acknowledge();
        };
        for (const s of steps) {
          if (s.kind === 'log') log(b, 'k');
          else if (s.kind === 'take') {
            const batch = b.take(s.max);
            if (batch) open.push(batch);
          } else if (s.kind === 'ack') {
            if (open.length > 0) ack(open.splice(s.pick % open.length, 1)[0]!);
          } else {
            const id = marks++;
            const seq = b.lastSequence;
            calls.set(id, 0);
            b.onDurable(seq, () => {
              expect(allAckedUpTo(seq)).toBe(true);
              calls.set(id, calls.get(id)! + 1);
            });
          }
        }
        for (let batch = b.take(); batch; batch = b.take()) open.push(batch);
        for (const batch of open.reverse()) ack(batch);
        expect(b.durableSequence).toBe(b.lastSequence);
        for (const n of calls.values()) expect(n).toBe(1);
      }),
    );
  });
});
