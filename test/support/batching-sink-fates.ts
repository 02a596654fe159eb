import { BatchingSink, DEFAULT_BATCHING, systemClock, type BatchWriter, type TopologyError } from '../../topology/index.js';

/** Feeds items through a BatchingSink, as the engine does, and reports each item's fate. */
export async function throughBatchingSink<T>(writer: BatchWriter<T>, items: readonly T[]): Promise<('written' | TopologyError)[]> {
  const fates: ('written' | TopologyError | undefined)[] = items.map(() => undefined);
  const sink = new BatchingSink<T>(
    writer,
    { ...DEFAULT_BATCHING, lingerMs: 10_000, retryInitialMs: 10, retryMaxMs: 50 },
    systemClock,
    new AbortController().signal,
  );
  items.forEach((item, i) => sink.add(item, { written: () => (fates[i] = 'written'), refused: (error) => (fates[i] = error) }));
  await sink.flush();
  sink.close();
  return fates.map((f, i) => {
    if (f === undefined) throw new Error(`item ${i} was neither written nor refused`);
    return f;
  });
}
