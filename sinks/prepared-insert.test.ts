import { describe, expect, it } from 'vitest';
import { MAX_ROWS_PER_PREPARED, preparedSizes } from './prepared-insert.js';

describe('preparedSizes', () => {
  it('covers every row with full statements, then powers of two', () => {
    expect(preparedSizes(0)).toEqual([]);
    expect(preparedSizes(1)).toEqual([1]);
    expect(preparedSizes(1000)).toEqual([512, 256, 128, 64, 32, 8]);
    expect(preparedSizes(1024)).toEqual([512, 512]);
    for (const n of [3, 511, 513, 999, 5000]) {
      const sizes = preparedSizes(n);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(n);
      expect(sizes.every((s) => s <= MAX_ROWS_PER_PREPARED && Number.isInteger(Math.log2(s)))).toBe(true);
    }
  });

  it('uses few distinct sizes, so each connection prepares few statements', () => {
    const distinct = new Set(Array.from({ length: 2000 }, (_, n) => preparedSizes(n)).flat());
    expect(distinct.size).toBe(10);
  });
});
