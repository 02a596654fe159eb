/**
 * CPU time of the stack's containers (their cgroups) and of the topology child, so a phase can say
 * where the machine's cores went: on 2 cores, Kafka, MySQL and the topology compete for the same CPU.
 */
import { readFileSync } from 'node:fs';
import type { RunningStack } from '../stack/harness.js';

export type CpuByPart = Record<string, number>;

/** Cumulative CPU seconds of one container, from cgroup v1 (cpuacct) or v2 (cpu.stat); undefined if neither is readable. */
function containerCpuSeconds(id: string): number | undefined {
  const v1 = [`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, `/sys/fs/cgroup/cpu,cpuacct/docker/${id}/cpuacct.usage`];
  for (const path of v1) {
    try {
      return Number(readFileSync(path, 'utf8').trim()) / 1e9;
    } catch {
      // try the next layout
    }
  }
  const v2 = [`/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`, `/sys/fs/cgroup/docker/${id}/cpu.stat`];
  for (const path of v2) {
    try {
      const usec = /^usage_usec (\d+)/m.exec(readFileSync(path, 'utf8'))?.[1];
      if (usec) return Number(usec) / 1e6;
    } catch {
      // try the next layout
    }
  }
  return undefined;
}

export function stackCpu(stack: RunningStack): CpuByPart {
  const out: CpuByPart = {};
  for (const [name, container] of Object.entries(stack.containers)) {
    const s = containerCpuSeconds(container.getId());
    if (s !== undefined) out[name] = s;
  }
  return out;
}

export function cpuDelta(before: CpuByPart, after: CpuByPart): CpuByPart {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}

/** `kafka 12.3 s, mysql 8.1 s, …; 41 s of 2 × 30 s = 68 %` */
export function describeCpu(used: CpuByPart, wallSeconds: number, cores: number): string {
  const total = Object.values(used).reduce((a, b) => a + b, 0);
  const parts = Object.entries(used)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
    .join(', ');
  return `${parts}; ${total.toFixed(1)} CPU s of ${cores} × ${wallSeconds.toFixed(1)} s = ${((100 * total) / (cores * wallSeconds)).toFixed(0)} % of the machine`;
}

/**
 * Waits until the stack's containers use less than `cores` CPUs over a 2 s window (or `maxSeconds`
 * pass): after a million-row phase MariaDB flushes its buffer pool for a while, and a latency or
 * memory phase started then would measure that flush. Returns the seconds waited.
 */
export async function settle(stack: RunningStack, options: { cores?: number; maxSeconds?: number } = {}): Promise<number> {
  const started = Date.now();
  const limit = options.cores ?? 0.15;
  while (Date.now() - started < (options.maxSeconds ?? 90) * 1000) {
    const before = stackCpu(stack);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const used = Object.values(cpuDelta(before, stackCpu(stack))).reduce((a, b) => a + b, 0);
    if (Object.keys(before).length === 0 || used / 2 < limit) break;
  }
  return (Date.now() - started) / 1000;
}
