import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommitTracker, PartitionTracker, type OffsetToCommit } from './commit-tracker.js';

describe('PartitionTracker', () => {
  it('has nothing to commit before any record completed', () => {
    const t = new PartitionTracker();
    t.begin(0n);
    t.begin(1n);
    expect(t.committable()).toBeUndefined();
    expect(t.inFlight).toBe(2);
  });

  it('commits one past the last record of the completed prefix', () => {
    const t = new PartitionTracker();
    for (const o of [0n, 1n, 2n]) t.begin(o);
    t.complete(0n);
    t.complete(1n);
    expect(t.committable()).toBe(2n);
    expect(t.inFlight).toBe(1);
  });

  it('does not move past a record still in flight when a later one completes first', () => {
    const t = new PartitionTracker();
    for (const o of [0n, 1n, 2n]) t.begin(o);
    t.complete(0n);
    t.complete(2n);
    expect(t.committable()).toBe(1n);
    t.complete(1n);
    expect(t.committable()).toBe(3n);
  });

  it('follows offsets with gaps (compacted topics, transaction markers)', () => {
    const t = new PartitionTracker();
    for (const o of [10n, 12n, 15n]) t.begin(o);
    t.complete(15n);
    expect(t.committable()).toBeUndefined();
    t.complete(10n);
    expect(t.committable()).toBe(11n);
    t.complete(12n);
    expect(t.committable()).toBe(16n);
  });

  it('never passes a record that never completes (a fail-policy record)', () => {
    const t = new PartitionTracker();
    for (let o = 0n; o < 10n; o++) t.begin(o);
    for (let o = 0n; o < 10n; o++) if (o !== 4n) t.complete(o);
    expect(t.committable()).toBe(4n);
    expect(t.inFlight).toBe(1);
  });

  it('throws when a record is begun at or below the last begun offset', () => {
    const t = new PartitionTracker();
    t.begin(5n);
    expect(() => t.begin(5n)).toThrow(/increasing order/);
    expect(() => t.begin(3n)).toThrow(/increasing order/);
    t.begin(6n);
    expect(t.inFlight).toBe(2);
  });

  it('throws when an offset is completed without being begun, or twice', () => {
    const t = new PartitionTracker();
    t.begin(1n);
    expect(() => t.complete(0n)).toThrow(/never begun/);
    t.complete(1n);
    expect(() => t.complete(1n)).toThrow(/never begun/);
  });

  it('finds offsets with gaps between them (compacted topics, transaction markers), completed out of order', () => {
    const t = new PartitionTracker();
    for (const o of [5n, 9n, 10n, 20n, 31n]) t.begin(o);
    t.complete(20n);
    t.complete(10n);
    expect(() => t.complete(11n)).toThrow(/never begun/);
    expect(() => t.complete(10n)).toThrow(/completed twice/);
    expect(t.committable()).toBeUndefined();
    t.complete(5n);
    expect(t.committable()).toBe(6n);
    t.complete(9n);
    expect([t.committable(), t.inFlight]).toEqual([21n, 1]);
  });

  it('stays correct across its internal compaction (thousands of records)', () => {
    const t = new PartitionTracker();
    for (let o = 0n; o < 3000n; o++) t.begin(o);
    for (let o = 0n; o < 2048n; o++) t.complete(o);
    expect(t.committable()).toBe(2048n);
    for (let o = 2049n; o < 3000n; o++) t.complete(o);
    expect(t.committable()).toBe(2048n);
    expect(t.inFlight).toBe(1);
    t.complete(2048n);
    expect(t.committable()).toBe(3000n);
    expect(t.inFlight).toBe(0);
    t.begin(3005n);
    t.complete(3005n);
    expect(t.committable()).toBe(3006n);
  });

  it('handles offsets beyond the safe-integer range', () => {
    const t = new PartitionTracker();
    const big = 2n ** 62n + 7n;
    t.begin(big);
    t.complete(big);
    expect(t.committable()).toBe(big + 1n);
  });
});

describe('CommitTracker', () => {
  it('reports nothing due before any completion', () => {
    const c = new CommitTracker();
    c.begin('t', 0, 0n);
    expect(c.due()).toEqual([]);
  });

  it('reports only the partitions whose offset moved since markCommitted', () => {
    const c = new CommitTracker();
    c.begin('t', 0, 0n);
    c.begin('t', 1, 0n);
    c.complete('t', 0, 0n);
    c.complete('t', 1, 0n);
    const due = c.due();
    expect(due).toEqual(
      expect.arrayContaining([
        { topic: 't', partition: 0, offset: '1' },
        { topic: 't', partition: 1, offset: '1' },
      ]),
    );
    expect(due).toHaveLength(2);
    c.markCommitted(due);
    expect(c.due()).toEqual([]);
    c.begin('t', 1, 1n);
    c.complete('t', 1, 1n);
    expect(c.due()).toEqual([{ topic: 't', partition: 1, offset: '2' }]);
  });

  it('counts records in flight per partition and in total', () => {
    const c = new CommitTracker();
    c.begin('a', 0, 0n);
    c.begin('a', 0, 1n);
    c.begin('b', 3, 9n);
    expect(c.inFlight('a', 0)).toBe(2);
    expect(c.inFlight('b', 3)).toBe(1);
    expect(c.inFlight('zzz', 0)).toBe(0);
    expect(c.totalInFlight()).toBe(3);
    c.complete('a', 0, 1n);
    expect(c.totalInFlight()).toBe(2);
  });

  it('keeps partitions of different topics apart', () => {
    const c = new CommitTracker();
    c.begin('a', 0, 5n);
    c.begin('b', 0, 5n);
    c.complete('b', 0, 5n);
    expect(c.due()).toEqual([{ topic: 'b', partition: 0, offset: '6' }]);
  });

  it('starts a new generation when a partition is read again from an earlier offset', () => {
    const c = new CommitTracker();
    const first = c.begin('t', 0, 3n);
    const second = c.begin('t', 0, 2n); // redelivered after a rebalance or a seek
    expect(second).not.toBe(first);
    expect(c.inFlight('t', 0)).toBe(2); // the first read is not settled yet
    c.complete('t', 0, 3n, first); // the old read finishing moves nothing
    expect(c.inFlight('t', 0)).toBe(1);
    expect(c.due()).toEqual([]);
    c.complete('t', 0, 2n, second);
    expect(c.due()).toEqual([{ topic: 't', partition: 0, offset: '3' }]);
    c.begin('t', 1, 2n); // another partition has its own order
    expect(c.inFlight('t', 1)).toBe(1);
  });

  it('forgets a revoked partition: no longer assigned, nothing in flight, nothing due', () => {
    const c = new CommitTracker();
    c.begin('t', 0, 0n);
    c.begin('t', 0, 1n);
    c.complete('t', 0, 0n);
    c.begin('t', 1, 0n);
    c.revoke('t', 0);
    expect(c.assigned()).toEqual([{ topic: 't', partition: 1 }]);
    expect(c.due()).toEqual([]);
  });

  it('counts records of a revoked generation as in flight until they complete, and lets them move no offset', () => {
    const c = new CommitTracker();
    const old = c.begin('t', 0, 0n);
    c.begin('t', 0, 1n);
    c.revoke('t', 0);
    // Still held somewhere (a sink buffer): they count against the partition's capacity.
    expect(c.inFlight('t', 0)).toBe(2);
    expect(c.totalInFlight()).toBe(2);
    const fresh = c.begin('t', 0, 0n); // read again after the rebalance
    expect(c.inFlight('t', 0)).toBe(3);
    c.complete('t', 0, 1n, old);
    c.complete('t', 0, 0n, old);
    expect(c.inFlight('t', 0)).toBe(1);
    expect(c.due()).toEqual([]);
    c.complete('t', 0, 0n, fresh);
    expect(c.inFlight('t', 0)).toBe(0);
    expect(c.due()).toEqual([{ topic: 't', partition: 0, offset: '1' }]);
  });

  it('ignores completions that arrive after the partition was revoked', () => {
    const c = new CommitTracker();
    const gen = c.begin('t', 0, 0n);
    c.revoke('t', 0);
    expect(() => c.complete('t', 0, 0n, gen)).not.toThrow();
    expect(() => c.complete('t', 0, 0n)).not.toThrow();
    expect(c.assigned()).toEqual([]);
    expect(c.due()).toEqual([]);
  });

  it('does not let a late completion of the old generation move a reassigned partition', () => {
    const c = new CommitTracker();
    const old = c.begin('t', 0, 0n);
    c.revoke('t', 0);
    const fresh = c.begin('t', 0, 0n); // read again from the last commit
    expect(fresh).not.toBe(old);
    c.complete('t', 0, 0n, old);
    expect(c.due()).toEqual([]);
    expect(c.inFlight('t', 0)).toBe(1);
    c.complete('t', 0, 0n, fresh);
    expect(c.due()).toEqual([{ topic: 't', partition: 0, offset: '1' }]);
  });

  it('ignores markCommitted for a partition it does not track', () => {
    const c = new CommitTracker();
    c.markCommitted([{ topic: 'x', partition: 0, offset: '10' }]);
    expect(c.assigned()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: an interpreter drives a CommitTracker and a naive model with the same random steps.
// ---------------------------------------------------------------------------------------------

const PARTITIONS = [
  { topic: 'a', partition: 0 },
  { topic: 'a', partition: 1 },
  { topic: 'b', partition: 0 },
] as const;

type Step =
  | { kind: 'begin'; p: number; gap: number; completes: boolean }
  | { kind: 'complete'; p: number; pick: number }
  | { kind: 'beginBackwards'; p: number; back: number }
  | { kind: 'commit' }
  | { kind: 'revoke'; p: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  // Begins and completions dominate; 1 in 8 records belongs to a class whose policy is `fail`.
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('begin' as const), p: fc.nat(2), gap: fc.integer({ min: 1, max: 4 }), completes: fc.nat(7).map((n) => n !== 0) }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('complete' as const), p: fc.nat(2), pick: fc.nat(1000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('beginBackwards' as const), p: fc.nat(2), back: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('commit' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke' as const), p: fc.nat(2) }) },
);

interface ModelRecord {
  readonly offset: bigint;
  readonly generation: number;
  readonly completes: boolean;
  done: boolean;
}

interface ModelPartition {
  generation: number | undefined; // undefined: not assigned (never begun, or revoked)
  records: ModelRecord[]; // current generation, in begin order
  stale: ModelRecord[]; // records of revoked generations, still able to complete late
  lastBegun: bigint | undefined;
  committed: bigint | undefined; // what markCommitted last recorded for the current generation
  everCommitted: bigint | undefined; // across generations: where a re-read starts
}

/** One past the last record of the longest completed prefix, per the model. */
function expectedCommittable(m: ModelPartition): bigint | undefined {
  let next: bigint | undefined;
  for (const r of m.records) {
    if (!r.done) break;
    next = r.offset + 1n;
  }
  return next;
}

function runScenario(start: bigint, steps: readonly Step[]): void {
  const tracker = new CommitTracker();
  const model: ModelPartition[] = PARTITIONS.map(() => ({
    generation: undefined,
    records: [],
    stale: [],
    lastBegun: undefined,
    committed: undefined,
    everCommitted: undefined,
  }));

  const check = (): void => {
    const due = tracker.due();
    let total = 0;
    for (const [i, { topic, partition }] of PARTITIONS.entries()) {
      const m = model[i]!;
      const reported = due.filter((d) => d.topic === topic && d.partition === partition);
      expect(reported.length).toBeLessThanOrEqual(1);
      const expected = expectedCommittable(m);
      const moved = expected !== undefined && (m.committed === undefined || expected > m.committed);
      expect(reported[0]?.offset).toBe(moved ? expected.toString() : undefined);
      if (reported[0]) {
        const offset = BigInt(reported[0].offset);
        // Never past a record of the current generation that is not complete.
        for (const r of m.records) if (!r.done) expect(offset).toBeLessThanOrEqual(r.offset);
        // Only increases, even across a revoke (a re-read starts at the last commit).
        if (m.everCommitted !== undefined) expect(offset).toBeGreaterThan(m.everCommitted);
      }
      // Records of older generations count until they settle: they still hold memory somewhere.
      const inFlight = [...m.records, ...m.stale].filter((r) => !r.done).length;
      expect(tracker.inFlight(topic, partition)).toBe(inFlight);
      total += inFlight;
    }
    expect(tracker.totalInFlight()).toBe(total);
    const assigned = PARTITIONS.filter((_, i) => model[i]!.generation !== undefined);
    expect([...tracker.assigned()].sort(byKey)).toEqual([...assigned].sort(byKey));
  };

  for (const step of steps) {
    switch (step.kind) {
      case 'begin': {
        const m = model[step.p]!;
        const { topic, partition } = PARTITIONS[step.p]!;
        // A new generation re-reads from the last commit, as a consumer does after a rebalance.
        const offset = m.lastBegun === undefined ? (m.everCommitted ?? start) : m.lastBegun + BigInt(step.gap);
        const generation = tracker.begin(topic, partition, offset);
        if (m.generation === undefined) {
          for (const other of model) if (other.generation !== undefined) expect(generation).not.toBe(other.generation);
          m.generation = generation;
        } else {
          expect(generation).toBe(m.generation);
        }
        m.lastBegun = offset;
        m.records.push({ offset, generation, completes: step.completes, done: false });
        break;
      }
      case 'complete': {
        const m = model[step.p]!;
        const { topic, partition } = PARTITIONS[step.p]!;
        const candidates = [...m.records, ...m.stale].filter((r) => r.completes && !r.done);
        if (candidates.length === 0) break;
        const r = candidates[step.pick % candidates.length]!;
        tracker.complete(topic, partition, r.offset, r.generation);
        r.done = true;
        break;
      }
      case 'beginBackwards': {
        const m = model[step.p]!;
        const { topic, partition } = PARTITIONS[step.p]!;
        if (m.lastBegun === undefined) break;
        // Read again from an earlier offset (a rebalance that kept the partition, a seek): a new
        // generation starts there; the old records may still complete but move nothing.
        const offset = m.lastBegun - BigInt(step.back);
        const generation = tracker.begin(topic, partition, offset);
        expect(generation).not.toBe(m.generation);
        m.stale.push(...m.records.filter((r) => !r.done));
        m.records = [{ offset, generation, completes: true, done: false }];
        m.generation = generation;
        m.lastBegun = offset;
        break;
      }
      case 'commit': {
        const due = tracker.due();
        tracker.markCommitted(due);
        expect(tracker.due()).toEqual([]);
        for (const d of due) {
          const m = model[PARTITIONS.findIndex((p) => p.topic === d.topic && p.partition === d.partition)]!;
          m.committed = BigInt(d.offset);
          m.everCommitted = m.committed;
        }
        break;
      }
      case 'revoke': {
        const m = model[step.p]!;
        const { topic, partition } = PARTITIONS[step.p]!;
        tracker.revoke(topic, partition);
        m.stale.push(...m.records.filter((r) => !r.done));
        m.records = [];
        m.generation = undefined;
        m.lastBegun = undefined;
        m.committed = undefined;
        break;
      }
    }
    check();
  }
}

const byKey = (x: { topic: string; partition: number }, y: { topic: string; partition: number }) => x.topic.localeCompare(y.topic) || x.partition - y.partition;

describe('CommitTracker (property)', () => {
  it('commits exactly the completed prefix of each partition, whatever the interleaving', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 62n }), fc.array(stepArb, { minLength: 1, maxLength: 100 }), (start, steps) => {
        runScenario(start, steps);
      }),
      { numRuns: 200 },
    );
  });

  it('reaches the end of every partition once every record completes, in any order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            p: fc.nat(PARTITIONS.length - 1),
            gap: fc.integer({ min: 1, max: 5 }),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
        (begins, picks) => {
          const tracker = new CommitTracker();
          const last = PARTITIONS.map((): bigint | undefined => undefined);
          const open: { p: number; offset: bigint }[] = [];
          for (const b of begins) {
            const prev = last[b.p];
            const offset = prev === undefined ? 0n : prev + BigInt(b.gap);
            last[b.p] = offset;
            const { topic, partition } = PARTITIONS[b.p]!;
            tracker.begin(topic, partition, offset);
            open.push({ p: b.p, offset });
          }
          for (const pick of picks) {
            if (open.length === 0) break;
            const [r] = open.splice(pick % open.length, 1);
            const { topic, partition } = PARTITIONS[r!.p]!;
            tracker.complete(topic, partition, r!.offset);
          }
          const expected: OffsetToCommit[] = PARTITIONS.flatMap((k, i) => {
            const l = last[i];
            return l === undefined ? [] : [{ ...k, offset: (l + 1n).toString() }];
          });
          expect([...tracker.due()].sort(byKey)).toEqual(expected.sort(byKey));
          expect(tracker.totalInFlight()).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
