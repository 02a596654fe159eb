/**
 * A V8 CPU profile of one phase that runs inside the bench process (the consume ceilings), through
 * the inspector: `node --cpu-prof` would profile the whole run, the load phase's encoding included.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** Runs `phase`, profiled into `<dir>/<name>.cpuprofile` when `dir` is given; returns its result and the file. */
export async function profiledInProcess<T>(dir: string | undefined, name: string, phase: () => Promise<T>): Promise<{ result: T; profile?: string }> {
  if (!dir) return { result: await phase() };
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    const result = await phase();
    const { profile } = await session.post('Profiler.stop');
    const file = join(dir, `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return { result, profile: file };
  } finally {
    session.disconnect();
  }
}
