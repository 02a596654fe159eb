/** Runtime observers beyond Prometheus: plain counters for summaries, and fan-out to several observers. */
import type { ErrorClass, RuntimeObserver } from '../topology/index.js';

export interface PipelineCounts {
  /** Input records read. */
  readonly received: number;
  /** Input records fully handled (stored, produced or dead-lettered). */
  readonly handled: number;
  readonly deadLettered: number;
  /** Records produced, by output topic. */
  readonly produced: Readonly<Record<string, number>>;
}

/** Counts what the engine reports, for summaries printed by the CLI. */
export class CountingObserver implements RuntimeObserver {
  private receivedCount = 0;
  private handledCount = 0;
  private deadCount = 0;
  private readonly producedCounts: Record<string, number> = {};

  received(): void {
    this.receivedCount++;
  }

  handled(): void {
    this.handledCount++;
  }

  deadLettered(_errorClass: ErrorClass, _node: string): void {
    this.deadCount++;
  }

  produced(topic: string, count: number): void {
    this.producedCounts[topic] = (this.producedCounts[topic] ?? 0) + count;
  }

  get counts(): PipelineCounts {
    return { received: this.receivedCount, handled: this.handledCount, deadLettered: this.deadCount, produced: { ...this.producedCounts } };
  }

  producedTo(topic: string): number {
    return this.producedCounts[topic] ?? 0;
  }
}

/** One observer that tells each of `observers`, in order. */
export function combineObservers(...observers: readonly RuntimeObserver[]): RuntimeObserver {
  return {
    received: (topic) => observers.forEach((o) => o.received?.(topic)),
    handled: (topic) => observers.forEach((o) => o.handled?.(topic)),
    deadLettered: (errorClass, node) => observers.forEach((o) => o.deadLettered?.(errorClass, node)),
    produced: (topic, count) => observers.forEach((o) => o.produced?.(topic, count)),
    flushed: (sink, records, millis) => observers.forEach((o) => o.flushed?.(sink, records, millis)),
    retrying: (sink, attempt, error) => observers.forEach((o) => o.retrying?.(sink, attempt, error)),
    isolated: (sink, error) => observers.forEach((o) => o.isolated?.(sink, error)),
  };
}
