import { describe, expect, it } from 'vitest';
import { chunk, insertIgnore, quoteIdentifier, tupleIn } from './sql.js';

describe('SQL builders', () => {
  it('builds one multi-row INSERT IGNORE with bindings in column order', () => {
    const statement = insertIgnore('temperature', ['device_id', 'temperature'] as const, [
      { device_id: 'a', temperature: 70 },
      { device_id: 'b', temperature: 71.5 },
    ]);
    expect(statement.sql).toBe('INSERT IGNORE INTO `temperature` (`device_id`, `temperature`) VALUES (?, ?), (?, ?)');
    expect(statement.bindings).toEqual(['a', 70, 'b', 71.5]);
  });

  it('refuses an empty insert rather than send invalid SQL', () => {
    expect(() => insertIgnore('t', ['a'] as const, [])).toThrow(/at least one row/);
  });

  it('builds a row-constructor IN', () => {
    const match = tupleIn(['device_id', 'rule'] as const, [
      { device_id: 'a', rule: 'r1' },
      { device_id: 'b', rule: 'r2' },
    ]);
    expect(match.sql).toBe('(`device_id`, `rule`) IN ((?, ?), (?, ?))');
    expect(match.bindings).toEqual(['a', 'r1', 'b', 'r2']);
  });

  it('quotes identifiers, doubling backticks', () => {
    expect(quoteIdentifier('we`ird')).toBe('`we``ird`');
  });

  it('chunks', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).toEqual([]);
  });
});
