import { describe, expect, it } from 'vitest';
import { seededRandom } from './random.js';

const take = (n: number, f: () => number) => Array.from({ length: n }, f);

describe('seededRandom', () => {
  it('repeats itself for the same seed and differs for another', () => {
    expect(take(5, seededRandom(42).next)).toEqual(take(5, seededRandom(42).next));
    expect(take(5, seededRandom(42).next)).not.toEqual(take(5, seededRandom(43).next));
  });

  it('is uniform on [0, 1) and between() stays in its range', () => {
    const random = seededRandom(7);
    const values = take(20_000, random.next);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeCloseTo(0.5, 1);
    for (const v of take(1000, () => random.between(60, 80))) expect(v >= 60 && v < 80).toBe(true);
  });

  it('gives a standard normal', () => {
    const values = take(20_000, seededRandom(11).normal);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(variance).toBeGreaterThan(0.9);
    expect(variance).toBeLessThan(1.1);
    expect(values.every(Number.isFinite)).toBe(true);
  });
});
