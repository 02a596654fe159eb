/**
 * Changelog partitions in memory: a ChangelogSource for unit tests and the test driver, and a place
 * to append to. Offsets can skip (`skip()`), as transaction markers and compaction make them do in Kafka.
 */
import type { HeaderMap } from '../records.js';
import type { ChangelogChunk, ChangelogEntry, ChangelogSource } from './changelog-restorer.js';

export class InMemoryChangelog implements ChangelogSource {
  private readonly partitions = new Map<string, { entries: ChangelogEntry[]; end: bigint }>();

  /** `chunkSize`: entries per chunk that `read` yields. */
  constructor(private readonly chunkSize = 100) {}

  private log(topic: string, partition: number) {
    const id = `${topic}\u0000${partition}`;
    let log = this.partitions.get(id);
    if (!log) {
      log = { entries: [], end: 0n };
      this.partitions.set(id, log);
    }
    return log;
  }

  append(topic: string, partition: number, key: Buffer | null, value: Buffer | null, headers?: HeaderMap, timestamp?: number): bigint {
    const log = this.log(topic, partition);
    const offset = log.end++;
    log.entries.push({ offset, key, value, ...(headers ? { headers } : {}), ...(timestamp === undefined ? {} : { timestamp }) });
    return offset;
  }

  /** Uses up offsets without a readable entry (a commit marker, an aborted record). */
  skip(topic: string, partition: number, count = 1): void {
    this.log(topic, partition).end += BigInt(count);
  }

  offsetRange(topic: string, partition: number): Promise<{ start: bigint; end: bigint }> {
    const log = this.log(topic, partition);
    return Promise.resolve({ start: log.entries[0]?.offset ?? log.end, end: log.end });
  }

  async *read(topic: string, partition: number, fromOffset: bigint, signal: AbortSignal): AsyncIterable<ChangelogChunk> {
    const log = this.log(topic, partition);
    let next = fromOffset;
    while (!signal.aborted) {
      // Yield to the event loop, as a network read would: an abort can arrive between chunks.
      await new Promise((resolve) => setImmediate(resolve));
      const entries = log.entries.filter((e) => e.offset >= next).slice(0, this.chunkSize);
      const last = entries[entries.length - 1];
      const nextOffset = last && entries.length === this.chunkSize ? last.offset + 1n : log.end;
      if (nextOffset === next && entries.length === 0) return;
      next = nextOffset;
      yield { entries, nextOffset };
    }
  }
}
