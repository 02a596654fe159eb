import { describe, expect, it } from 'vitest';
import { summarizeAllocations } from '../../bench/allocation-summary.js';

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });

describe('bench/allocation-summary', () => {
  it('adds up the bytes of the whole tree, by origin and by allocating function', () => {
    const head = {
      callFrame: frame('(root)', ''),
      selfSize: 0,
      children: [
        {
          callFrame: frame('feed', 'node:internal/streams'),
          selfSize: 100,
          children: [
            { callFrame: frame('decode', 'file:///x/node_modules/avsc/lib/types.js'), selfSize: 300, children: [] },
            { callFrame: frame('decode', 'file:///x/node_modules/avsc/lib/types.js'), selfSize: 200, children: [] },
          ],
        },
        { callFrame: frame('(garbage collector)', ''), selfSize: 0, children: [] },
      ],
    };
    const s = summarizeAllocations(head, 5);
    expect(s.totalBytes).toBe(600);
    expect(s.byOrigin.map((a) => [a.name, a.bytes])).toEqual([
      ['avsc', 500],
      ['node internals', 100],
    ]);
    expect(s.byFunction[0]).toMatchObject({ bytes: 500, share: 500 / 600 });
    expect(s.byFunction[0]!.name).toMatch(/^decode avsc\/lib\/types\.js/);
    expect(summarizeAllocations(head, 0).byFunction).toEqual([]);
  });
});
