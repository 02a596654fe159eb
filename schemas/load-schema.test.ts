import { describe, expect, it } from 'vitest';
import { inlineNamedType, loadAvsc } from './load-schema.js';
import type { RecordSchema } from './schema-types.js';

const inner: RecordSchema = { type: 'record', name: 'Inner', namespace: 'ns', fields: [{ name: 'x', type: 'int' }] };

describe('inlineNamedType', () => {
  it('expands the first reference, by full or short name, and leaves later ones as names', () => {
    const outer: RecordSchema = {
      type: 'record',
      name: 'Outer',
      namespace: 'ns',
      fields: [
        { name: 'a', type: 'Inner' },
        { name: 'b', type: ['null', 'ns.Inner'] },
      ],
    };
    const out = inlineNamedType(outer, inner);
    expect(out.fields[0]!.type).toEqual(inner);
    expect(out.fields[1]!.type).toEqual(['null', 'ns.Inner']);
  });

  it('does not expand a short name from another namespace', () => {
    const outer: RecordSchema = { type: 'record', name: 'Outer', namespace: 'other', fields: [{ name: 'a', type: 'Inner' }] };
    expect(inlineNamedType(outer, inner).fields[0]!.type).toBe('Inner');
  });
});

describe('loadAvsc', () => {
  it('says where it looked when a schema is missing', () => {
    expect(() => loadAvsc('missing.avsc')).toThrow(/schema missing.avsc not found; looked in .*schemas\/missing.avsc/);
  });
});
