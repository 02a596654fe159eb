import { describe, expect, it } from 'vitest';
import { isLocalInfileRefused, loadDataBytes, loadDataField, loadDataStatement, loadDataText } from './load-data.js';

describe('LOAD DATA text', () => {
  it('escapes what would end a field or a line, and the escape itself', () => {
    expect(loadDataField('plain')).toBe('plain');
    expect(loadDataField('a\tb\nc\rd\\e\0f')).toBe('a\\tb\\nc\\rd\\\\e\\0f');
    // Unescaped, `\N` reads as NULL: the backslash is doubled, so the id stays the two characters.
    expect(loadDataField('\\N')).toBe('\\\\N');
    expect(loadDataField('quote \' and " and 🔥')).toBe('quote \' and " and 🔥');
    expect(loadDataField(null)).toBe('\\N');
  });

  it('writes numbers in their shortest round-trip form and refuses what is not a number', () => {
    expect([70, -0.5, 0.1 + 0.2, 1e21, 12].map(loadDataField)).toEqual(['70', '-0.5', '0.30000000000000004', '1e+21', '12']);
    expect(() => loadDataField(Number.NaN)).toThrow(/NaN/);
    expect(() => loadDataField(Number.POSITIVE_INFINITY)).toThrow(/Infinity/);
  });

  it('writes one line per row, fields in column order', () => {
    const rows = [
      { a: 'x', b: 1 },
      { a: 'y\tz', b: 2.5 },
    ];
    expect(loadDataText(['b', 'a'], rows)).toBe('1\tx\n2.5\ty\\tz\n');
  });

  it('writes the bytes as UTF-8, however long the rows (the buffer grows)', () => {
    const long = `ascii first, then ${'🔥é'.repeat(2000)}`;
    const rows = [{ a: long, b: null }, ...Array.from({ length: 50 }, (_, i) => ({ a: `d-${i}`, b: i }))];
    const expected = `${long}\t\\N\n${rows
      .slice(1)
      .map((r) => `${r.a}\t${String(r.b)}\n`)
      .join('')}`;
    expect(loadDataBytes(['a', 'b'], rows).equals(Buffer.from(expected, 'utf8'))).toBe(true);
  });

  it('names the table and columns quoted, and the separators it writes', () => {
    expect(loadDataStatement('temperature', ['device_id', 'odd`name'])).toBe(
      "LOAD DATA LOCAL INFILE 'rows.tsv' IGNORE INTO TABLE `temperature` CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (`device_id`, `odd``name`)",
    );
  });

  it('tells a refused LOCAL INFILE (MariaDB, MySQL 8) from other errors', () => {
    expect(isLocalInfileRefused({ errno: 1148 })).toBe(true);
    expect(isLocalInfileRefused({ errno: 3948 })).toBe(true);
    expect(isLocalInfileRefused({ errno: 4166 })).toBe(true);
    expect(isLocalInfileRefused({ errno: 1213 })).toBe(false);
    expect(isLocalInfileRefused(new Error('no errno'))).toBe(false);
    expect(isLocalInfileRefused(undefined)).toBe(false);
  });
});
