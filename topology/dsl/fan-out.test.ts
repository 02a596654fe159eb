import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { FanOut, fanOut } from './fan-out.js';

describe('FanOut', () => {
  it('delivers each value to every subscriber, in the order they subscribed', () => {
    const hub = new FanOut<number>();
    const seen: string[] = [];
    hub.asObservable().subscribe((v) => seen.push(`a${v}`));
    hub.asObservable().subscribe((v) => seen.push(`b${v}`));
    hub.next(1);
    hub.next(2);
    expect(seen).toEqual(['a1', 'b1', 'a2', 'b2']);
  });

  it('delivers the value being delivered neither to a subscriber added meanwhile nor to one that left meanwhile, as a Subject', () => {
    const hub = new FanOut<number>();
    const seen: string[] = [];
    const late = () => hub.asObservable().subscribe((v) => seen.push(`late${v}`));
    const leaving: { unsubscribe(): void }[] = [];
    hub.asObservable().subscribe((v) => {
      seen.push(`first${v}`);
      if (v === 1) {
        late();
        for (const s of leaving) s.unsubscribe();
      }
    });
    leaving.push(hub.asObservable().subscribe((v) => seen.push(`second${v}`)));
    hub.next(1);
    hub.next(2);
    expect(seen).toEqual(['first1', 'first2', 'late2']);
  });

  it('calls onEmpty when the last subscriber leaves, and completes subscribers that come after completion', () => {
    let emptied = 0;
    const hub = new FanOut<number>(() => emptied++);
    const a = hub.asObservable().subscribe();
    const b = hub.asObservable().subscribe();
    a.unsubscribe();
    expect(emptied).toBe(0);
    b.unsubscribe();
    expect(emptied).toBe(1);
    hub.complete();
    let completed = false;
    hub.asObservable().subscribe({ complete: () => (completed = true) });
    expect(completed).toBe(true);
  });
});

describe('fanOut()', () => {
  it('subscribes the source once for all subscribers and unsubscribes it when the last one leaves', () => {
    const source = new Subject<number>();
    const shared = source.pipe(fanOut());
    const seen: string[] = [];
    const a = shared.subscribe((v) => seen.push(`a${v}`));
    const b = shared.subscribe((v) => seen.push(`b${v}`));
    expect(source.observed).toBe(true);
    source.next(1);
    a.unsubscribe();
    source.next(2);
    b.unsubscribe();
    expect(source.observed).toBe(false);
    expect(seen).toEqual(['a1', 'b1', 'b2']);
  });

  it('subscribes the source again for a subscriber that comes after everyone left', () => {
    const source = new Subject<number>();
    const shared = source.pipe(fanOut());
    shared.subscribe().unsubscribe();
    const seen: number[] = [];
    shared.subscribe((v) => seen.push(v));
    source.next(3);
    expect(seen).toEqual([3]);
  });

  it('passes errors and completion on', () => {
    const source = new Subject<number>();
    const shared = source.pipe(fanOut());
    const errors: unknown[] = [];
    shared.subscribe({ error: (e: unknown) => errors.push(e) });
    shared.subscribe({ error: (e: unknown) => errors.push(e) });
    source.error('boom');
    expect(errors).toEqual(['boom', 'boom']);
    const other = new Subject<number>();
    let completed = 0;
    const s = other.pipe(fanOut());
    s.subscribe({ complete: () => completed++ });
    s.subscribe({ complete: () => completed++ });
    other.complete();
    expect(completed).toBe(2);
  });
});
