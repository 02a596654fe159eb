/**
 * Sends a fleet's readings at a target rate: whatever is due is generated and sent as one batch,
 * every tick, so the rate holds whether it is 1/s or 5000/s and a slow broker only makes batches bigger.
 */
import type { PacingClock } from '../replay/rate-limiter.js';
import { realClock } from '../replay/rate-limiter.js';
import type { ReadingEncoder } from './encode.js';
import type { ReadingKind, SimulatedFleet } from './fleet.js';

export interface SimulatedMessage {
  /** The device id. */
  readonly key: string;
  readonly value: Buffer;
  /** The reading time. */
  readonly timestamp: number;
}

export interface SimulationStats {
  readonly sent: number;
  readonly normal: number;
  readonly anomalies: number;
  readonly illegal: number;
  readonly elapsedMs: number;
}

export interface SimulatorOptions {
  readonly fleet: SimulatedFleet;
  readonly encode: ReadingEncoder;
  /** Resolves once the brokers acknowledged the batch. */
  readonly send: (messages: readonly SimulatedMessage[]) => Promise<void>;
  /** Readings per second. */
  readonly rate: number;
  /** Stop after this long; until the signal otherwise. */
  readonly durationMs?: number;
  readonly signal?: AbortSignal;
  readonly maxBatch?: number;
  readonly tickMs?: number;
  readonly clock?: PacingClock;
}

/** Readings that should have gone out after `elapsedMs` at `rate` per second, minus those sent. */
export function recordsDue(elapsedMs: number, rate: number, sent: number): number {
  return Math.max(0, Math.floor((elapsedMs * rate) / 1000) - sent);
}

export class Simulator {
  private counts: Record<ReadingKind, number> = { normal: 0, anomaly: 0, illegal: 0 };
  private startedAt: number | undefined;
  private endedAt: number | undefined;
  private readonly clock: PacingClock;

  constructor(private readonly options: SimulatorOptions) {
    if (!(options.rate > 0)) throw new RangeError('rate must be above 0');
    this.clock = options.clock ?? realClock;
  }

  get stats(): SimulationStats {
    const { normal, anomaly, illegal } = this.counts;
    const end = this.endedAt ?? this.clock.now();
    return { sent: normal + anomaly + illegal, normal, anomalies: anomaly, illegal, elapsedMs: this.startedAt === undefined ? 0 : end - this.startedAt };
  }

  async run(): Promise<SimulationStats> {
    const { rate, durationMs, signal } = this.options;
    const maxBatch = this.options.maxBatch ?? 500;
    const tickMs = this.options.tickMs ?? 50;
    const start = this.clock.now();
    this.startedAt = start;
    try {
      while (!signal?.aborted) {
        const elapsed = this.clock.now() - start;
        const over = durationMs !== undefined && elapsed >= durationMs;
        const due = recordsDue(over ? durationMs : elapsed, rate, this.stats.sent);
        if (due > 0) await this.sendBatch(Math.min(due, maxBatch));
        if (due > maxBatch) continue; // behind: catch up before sleeping
        if (over) break;
        await this.sleep(durationMs === undefined ? tickMs : Math.min(tickMs, Math.max(1, durationMs - elapsed)));
      }
    } finally {
      this.endedAt = this.clock.now();
    }
    return this.stats;
  }

  private async sendBatch(count: number): Promise<void> {
    const batch: SimulatedMessage[] = [];
    const kinds: ReadingKind[] = [];
    for (let i = 0; i < count; i++) {
      const { reading, kind } = this.options.fleet.next();
      batch.push({ key: reading.deviceId, value: await this.options.encode(reading), timestamp: reading.readingTime });
      kinds.push(kind);
    }
    await this.options.send(batch);
    // Counted once acknowledged: the summary says what the brokers have.
    for (const kind of kinds) this.counts[kind]++;
  }

  private sleep(ms: number): Promise<void> {
    const { signal } = this.options;
    if (!signal) return this.clock.sleep(ms);
    return new Promise<void>((resolve) => {
      const wake = () => {
        signal.removeEventListener('abort', wake);
        resolve();
      };
      signal.addEventListener('abort', wake, { once: true });
      void this.clock.sleep(ms).then(wake);
    });
  }
}
