import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AVRO_BINARY_FORMAT, jsonSerde } from '../../topology/index.js';
import { addReading, emptyAggregate, minuteAggregateSerde, toMinuteRollup, type MinuteAggregate } from './minute-rollup.js';

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

describe('minuteAggregateSerde', () => {
  it('keeps an aggregate as Avro binary, and still reads one logged as JSON before (a changelog restored after an upgrade)', async () => {
    const serde = minuteAggregateSerde();
    const aggregate = addReading(addReading(emptyAggregate(), 70.5), 68.25);
    const bytes = serde.serialize(aggregate, 'c') as Buffer;
    expect(bytes[0]).toBe(AVRO_BINARY_FORMAT);
    expect(await serde.deserialize(bytes, 'c')).toStrictEqual(aggregate);
    const logged = jsonSerde<MinuteAggregate>().serialize(aggregate, 'c') as Buffer;
    expect(await serde.deserialize(logged, 'c')).toEqual(aggregate);
  });
});
