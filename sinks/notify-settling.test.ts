import { describe, expect, it } from 'vitest';
import { markNotifyFailed, notifyFailedStatement } from './notify-settling.js';
import { fakeKnex, insertResult } from './testing/fake-knex.js';

describe('notifyFailedStatement', () => {
  it('settles a row with one notification where neither notified nor failed yet, with the reason bound, never written into the text', () => {
    const statement = notifyFailedStatement('t', ['a', 'b'], { key: { a: "x'; DROP TABLE t; --", b: 2 }, error: "it's down" });
    expect(statement).toEqual({
      sql: 'UPDATE `t` SET notify_status = ?, notify_error = ? WHERE notified_at IS NULL AND notify_status IS NULL AND (`a`, `b`) IN ((?, ?))',
      bindings: ['failed', "it's down", "x'; DROP TABLE t; --", 2],
    });
  });

  it("settles one event's column of a row with one notification per event, where that column is still NULL", () => {
    const statement = notifyFailedStatement('t', ['id'], { key: { id: 'e' }, error: 'gone', eventColumn: { name: 'told_at', at: '2026-01-01 00:00:00.000' } });
    expect(statement).toEqual({
      sql: 'UPDATE `t` SET `told_at` = ?, notify_status = ?, notify_error = ? WHERE `told_at` IS NULL AND (`id`) IN ((?))',
      bindings: ['2026-01-01 00:00:00.000', 'failed', 'gone', 'e'],
    });
  });

  it('cuts the reason to the column without splitting a character', () => {
    const statement = notifyFailedStatement('t', ['id'], { key: { id: 'e' }, error: '✓'.repeat(999) + '😀😀' });
    expect([...(statement.bindings[1] as string)]).toHaveLength(1000);
    expect((statement.bindings[1] as string).endsWith('😀')).toBe(true);
  });
});

describe('markNotifyFailed', () => {
  it('runs one statement per failure, each with its own reason', async () => {
    const db = fakeKnex(() => insertResult(1));
    await markNotifyFailed(
      db.knex,
      't',
      ['id'],
      [
        { key: { id: 'e1' }, error: 'one' },
        { key: { id: 'e2' }, error: 'two' },
      ],
    );
    expect(db.calls.map((c) => c.bindings)).toEqual([
      ['failed', 'one', 'e1'],
      ['failed', 'two', 'e2'],
    ]);
  });
});
