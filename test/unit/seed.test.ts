import { describe, expect, it } from 'vitest';
import { parseTestSeed, seededRandomFor, testSeed } from '../support/seed.js';

describe('test seed', () => {
  it('takes TEST_SEED as an integer from 0 to 2^32-1 and refuses anything else, naming the setting', () => {
    expect(parseTestSeed(undefined)).toBeUndefined();
    expect(parseTestSeed(' ')).toBeUndefined();
    expect(parseTestSeed('0')).toBe(0);
    expect(parseTestSeed('4294967295')).toBe(4294967295);
    for (const bad of ['-1', '4294967296', '1.5', 'abc', '0x10z']) expect(() => parseTestSeed(bad), bad).toThrow(/TEST_SEED/);
  });

  it('gives the same draws for the same seed and use, and other draws for another use', () => {
    testSeed();
    const draw = (what: string) => Array.from({ length: 4 }, seededRandomFor(what).next);
    expect(draw('kill moments')).toEqual(draw('kill moments'));
    expect(draw('kill moments')).not.toEqual(draw('load clock'));
  });
});
