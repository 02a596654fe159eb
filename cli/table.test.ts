import { describe, expect, it } from 'vitest';
import { formatTable } from './table.js';

describe('formatTable', () => {
  it('aligns columns under a header and a rule', () => {
    expect(
      formatTable(
        ['A', 'LONGER'],
        [
          ['xyz', '1'],
          ['', '22'],
        ],
      ),
    ).toBe('A    LONGER\n---  ------\nxyz  1\n     22\n');
  });
});
