import { describe, expect, it } from 'vitest';
import { finalReport, liveLine, NO_TOTALS, type DemoTotals } from './live-summary.js';

const totals: DemoTotals = { sent: 100, processed: 90, stored: 85, alertsRaised: 4, alertsNotified: 3, deadLettered: 2 };

describe('liveLine', () => {
  it('shows totals and per-second rates over the interval', () => {
    expect(liveLine(5_400, totals, { ...NO_TOTALS, sent: 80, processed: 75 }, 1000)).toBe(
      '[   5s] sent 100 (20/s) | processed 90 (15/s) | stored 85 | alerts 4 raised, 3 notified | DLQ 2',
    );
  });
});

describe('finalReport', () => {
  const simulation = { sent: 100, normal: 94, anomalies: 4, illegal: 2, elapsedMs: 10_000 };

  it('checks that every reading is accounted for', () => {
    const report = finalReport({ totals: { ...totals, processed: 100, stored: 98, alertsNotified: 4 }, simulation, rowsInTable: 98, stoppingMs: 2_000 });
    expect(report).not.toContain('MISMATCH');
    expect(report).toContain('readings sent         100  (94 normal, 4 anomalies, 2 illegal)');
    expect(report).toContain('simulated for 10.0 s, stopped in 2.0 s');
  });

  it('flags a count that does not add up', () => {
    expect(finalReport({ totals, simulation, rowsInTable: 85, stoppingMs: 2_000 })).toContain('MISMATCH');
  });
});
