import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { progressReporter, progressSnapshot } from './progress.js';

describe('progressSnapshot', () => {
  it('computes percent, rate and time left', () => {
    expect(progressSnapshot(250, 1000, 5000)).toEqual({ done: 250, total: 1000, percent: 25, rate: 50, etaSeconds: 15 });
  });

  it('has no ETA before there is a rate, and is 100% of nothing', () => {
    expect(progressSnapshot(0, 10, 0).etaSeconds).toBeUndefined();
    expect(progressSnapshot(0, 0, 1000).percent).toBe(100);
  });
});

describe('progressReporter off a terminal', () => {
  it('logs a line every interval', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const reporter = progressReporter({ total: 4, interactive: false, logger, intervalMs: 20 });
    reporter.tick();
    reporter.tick();
    await new Promise((resolve) => setTimeout(resolve, 50));
    reporter.stop();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatchObject({ msg: 'replay progress', done: 2, total: 4, percent: 50 });
  });
});
