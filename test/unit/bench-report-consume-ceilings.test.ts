import { describe, expect, it } from 'vitest';
import type { Throughput } from '../../bench/baselines.js';
import { formatTable, type MachineInfo } from '../../bench/report.js';

const machine: MachineInfo = { cpus: 2, memoryGiB: 8, freeGiB: 4, loadAtStart: [1, 1, 1], node: 'v20', images: [] };
const ceiling = (name: string, perSecond: number, cpuMicrosPerRecord?: number): Throughput => ({
  name,
  records: 1_000_000,
  seconds: 1_000_000 / perSecond,
  perSecond,
  note: `${name} note`,
  ...(cpuMicrosPerRecord === undefined ? {} : { cpuMicrosPerRecord }),
});

describe('the report of the consume ceilings', () => {
  it("gives each client's line its readings/s and the bench process's CPU per reading", () => {
    const table = formatTable(
      {
        consume: ceiling('consume ceiling', 231_192, 4.608969),
        consumePlatformatic: [ceiling('consume ceiling, @platformatic/kafka, message stream', 163_426, 6.141502)],
      },
      machine,
    );
    expect(table).toMatch(/\| consume ceiling +\| 231,192 .*consume ceiling note; 4\.61 µs CPU per reading \(bench process\)/);
    expect(table).toMatch(/\| consume ceiling, @platformatic\/kafka, message stream \| 163,426 .*; 6\.14 µs CPU per reading \(bench process\)/);
  });

  it('adds nothing to a line whose CPU was not measured', () => {
    expect(formatTable({ seed: ceiling("seed's way", 900) }, machine)).toMatch(/seed's way note +\|$/m);
  });
});
