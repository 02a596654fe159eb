/**
 * What a process allocates, collected objects included: V8's sampling heap profiler through the
 * inspector, with the flags that keep samples of objects the scavenger or the mark-compactor already
 * freed (a plain --heap-prof keeps only what is still alive at the end). Garbage is what the
 * collector pays for, so this is the figure to compare when cutting objects per record; the file it
 * writes opens in Chrome DevTools (Memory, allocation sampling) or `npx tsx bench/allocation-summary.ts`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { summarizeAllocations } from './allocation-summary.js';

/** One sample per this many bytes allocated, on average: ~100,000 samples for a run of a few GB. */
const SAMPLING_INTERVAL_BYTES = 16 * 1024;

export interface AllocationSampling {
  /** Stops, writes the profile to `file`, and returns the bytes sampled in all. */
  stop(file: string): Promise<number>;
}

export async function startAllocationSampling(): Promise<AllocationSampling> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: SAMPLING_INTERVAL_BYTES,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return {
    async stop(file) {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      session.disconnect();
      writeFileSync(file, JSON.stringify(profile));
      return summarizeAllocations(profile.head, 0).totalBytes;
    },
  };
}
