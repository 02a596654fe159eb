import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addReading, emptyAggregate, toMinuteRollup } from './minute-rollup.js';

describe('the minute aggregate', () => {
  it('counts, keeps the lowest and highest, and gives the mean when the minute closes', () => {
    const aggregate = [70, 74, 69.8].reduce(addReading, emptyAggregate());
    expect(toMinuteRollup(aggregate)).toEqual({ count: 3, min: 69.8, max: 74, mean: (70 + 74 + 69.8) / 3 });
  });

  it('starts from zeros a JSON store can hold, and its first reading replaces them', () => {
    expect(JSON.parse(JSON.stringify(emptyAggregate()))).toEqual(emptyAggregate());
    expect(addReading(emptyAggregate(), 100)).toEqual({ count: 1, min: 100, max: 100, sum: 100 });
  });

  it('equals the rollup computed from the readings at once, for any readings', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 32, max: 132, noNaN: true }), { minLength: 1, maxLength: 200 }), (temperatures) => {
        const rollup = toMinuteRollup(temperatures.reduce(addReading, emptyAggregate()));
        expect(rollup.count).toBe(temperatures.length);
        expect(rollup.min).toBe(Math.min(...temperatures));
        expect(rollup.max).toBe(Math.max(...temperatures));
        expect(rollup.mean).toBeCloseTo(temperatures.reduce((a, b) => a + b, 0) / temperatures.length, 9);
        expect(rollup.mean).toBeGreaterThanOrEqual(rollup.min - 1e-9);
        expect(rollup.mean).toBeLessThanOrEqual(rollup.max + 1e-9);
      }),
    );
  });
});
