import { describe, expect, it } from 'vitest';
import type { RuntimeObserver } from '../topology/index.js';
import { combineObservers, CountingObserver } from './observers.js';

describe('CountingObserver', () => {
  it('counts records, dead letters and output per topic', () => {
    const counts = new CountingObserver();
    counts.received();
    counts.received();
    counts.handled();
    counts.deadLettered('validation', 'n');
    counts.produced('TempRangeAlert', 2);
    counts.produced('TempRangeAlert', 1);
    counts.produced('other', 4);
    expect(counts.counts).toEqual({ received: 2, handled: 1, deadLettered: 1, produced: { TempRangeAlert: 3, other: 4 } });
    expect(counts.producedTo('TempRangeAlert')).toBe(3);
    expect(counts.producedTo('nowhere')).toBe(0);
  });
});

describe('combineObservers', () => {
  it('tells every observer every event, and skips hooks an observer lacks', () => {
    const a = new CountingObserver();
    const b = new CountingObserver();
    const flushed: number[] = [];
    const partial: RuntimeObserver = { flushed: (_sink, records) => void flushed.push(records) };
    const both = combineObservers(a, b, partial);
    both.received?.('t');
    both.handled?.('t');
    both.produced?.('x', 2);
    both.deadLettered?.('sink', 'n');
    both.flushed?.('s', 7, 1);
    both.retrying?.('s', 1, new Error('x'));
    expect(a.counts).toEqual(b.counts);
    expect(a.counts).toEqual({ received: 1, handled: 1, deadLettered: 1, produced: { x: 2 } });
    expect(flushed).toEqual([7]);
  });
});
