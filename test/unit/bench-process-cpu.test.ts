import { describe, expect, it } from 'vitest';
import { cpuMicrosPerRecord, processCpuSpan } from '../../bench/process-cpu.js';

describe('the bench process CPU per record', () => {
  it('adds user and system time and divides by the records', () => {
    expect(cpuMicrosPerRecord({ user: 3_000_000, system: 1_000_000 }, 1_000_000)).toBe(4);
  });

  it('is not a number without records', () => {
    expect(cpuMicrosPerRecord({ user: 10, system: 0 }, 0)).toBeNaN();
  });

  it('counts the work done inside the span', () => {
    const span = processCpuSpan();
    let x = 0;
    for (let i = 0; i < 5_000_000; i++) x += i % 7;
    expect(x).toBeGreaterThan(0);
    expect(span.stop(1)).toBeGreaterThan(0);
  });
});
