import { describe, expect, it } from 'vitest';
import { andThen } from './maybe-async.js';

describe('andThen', () => {
  it('calls on at once with a value that is there, and returns what it returns (no promise)', () => {
    const seen: number[] = [];
    const out = andThen(2, (v) => {
      seen.push(v);
      return v * 10;
    });
    expect(out).toBe(20);
    expect(seen).toEqual([2]);
  });

  it('waits for a promise, then calls on', async () => {
    const seen: number[] = [];
    const out = andThen(Promise.resolve(3), (v) => {
      seen.push(v);
      return v + 1;
    });
    expect(seen).toEqual([]);
    expect(out).toBeInstanceOf(Promise);
    expect(await out).toBe(4);
  });

  it('throws what the function throws at once, and rejects with it after a promise', async () => {
    const boom = () => {
      throw new Error('boom');
    };
    expect(() => andThen(1, boom)).toThrow('boom');
    await expect(andThen(Promise.resolve(1), boom)).rejects.toThrow('boom');
  });
});
