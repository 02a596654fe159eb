import { describe, expect, it } from 'vitest';
import { ReplayCursor } from './cursor.js';
import type { ReplayPlan } from './plan.js';

const plan: ReplayPlan = {
  topic: 't',
  partitions: [
    { partition: 0, start: 10n, end: 13n, records: 3 },
    { partition: 1, start: 5n, end: 5n, records: 0 },
  ],
  totalRecords: 3,
  warnings: [],
};

describe('ReplayCursor', () => {
  it('admits each offset of the window once, in order', () => {
    const cursor = new ReplayCursor(plan);
    expect(cursor.admit(0, 9n)).toBe('skip');
    expect(cursor.admit(0, 10n)).toBe('process');
    cursor.processed(0, 10n);
    expect(cursor.admit(0, 10n)).toBe('skip'); // fetched again after a rejoin
    expect(cursor.admit(0, 11n)).toBe('process');
    expect(cursor.admit(0, 13n)).toBe('past-end');
    expect(cursor.nextOffset(0)).toBe(11n);
  });

  it('is done when every partition reached its end', () => {
    const cursor = new ReplayCursor(plan);
    expect(cursor.isDone(1)).toBe(true);
    expect(cursor.unfinished()).toEqual([0]);
    cursor.processed(0, 10n);
    cursor.processed(0, 11n);
    expect(cursor.allDone()).toBe(false);
    cursor.processed(0, 12n);
    expect(cursor.allDone()).toBe(true);
  });

  it('counts gaps (transaction markers, compaction) as passed', () => {
    const cursor = new ReplayCursor(plan);
    cursor.processed(0, 10n);
    cursor.reached(0, 13n);
    expect(cursor.allDone()).toBe(true);
  });

  it('never moves backwards', () => {
    const cursor = new ReplayCursor(plan);
    cursor.reached(0, 12n);
    cursor.reached(0, 11n);
    expect(cursor.nextOffset(0)).toBe(12n);
  });

  it('treats partitions outside the plan as done', () => {
    const cursor = new ReplayCursor(plan);
    expect(cursor.admit(7, 0n)).toBe('past-end');
    expect(cursor.isDone(7)).toBe(true);
  });
});
