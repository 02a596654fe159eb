/** Which dead letters a person means: by rule, error class, time, and source position. Pure. */
import type { DeadLetter } from './dead-letter.js';

export interface DeadLetterFilter {
  readonly rule?: string;
  readonly errorClass?: string;
  /** Epoch ms, inclusive, on when the record failed (the DLQ record's timestamp when unknown). */
  readonly from?: number;
  /** Epoch ms, inclusive. */
  readonly to?: number;
  readonly sourceTopic?: string;
  readonly sourcePartition?: number;
  /** Decimal text; inclusive bounds on the source offset. */
  readonly minSourceOffset?: string;
  readonly maxSourceOffset?: string;
}

/** When the dead letter failed: its dlq.failed.at, else its timestamp. */
export function failedAtMs(letter: DeadLetter): number {
  const parsed = letter.reason.failedAt === undefined ? Number.NaN : Date.parse(letter.reason.failedAt);
  return Number.isNaN(parsed) ? letter.timestamp : parsed;
}

export function matchesDeadLetter(filter: DeadLetterFilter, letter: DeadLetter): boolean {
  const { reason } = letter;
  if (filter.rule !== undefined && reason.rule !== filter.rule) return false;
  if (filter.errorClass !== undefined && reason.errorClass !== filter.errorClass) return false;
  if (filter.sourceTopic !== undefined && reason.sourceTopic !== filter.sourceTopic) return false;
  if (filter.sourcePartition !== undefined && reason.sourcePartition !== filter.sourcePartition) return false;
  if (filter.minSourceOffset !== undefined || filter.maxSourceOffset !== undefined) {
    if (reason.sourceOffset === undefined || !/^\d+$/.test(reason.sourceOffset)) return false;
    const offset = BigInt(reason.sourceOffset);
    if (filter.minSourceOffset !== undefined && offset < BigInt(filter.minSourceOffset)) return false;
    if (filter.maxSourceOffset !== undefined && offset > BigInt(filter.maxSourceOffset)) return false;
  }
  if (filter.from !== undefined || filter.to !== undefined) {
    const at = failedAtMs(letter);
    if (filter.from !== undefined && at < filter.from) return false;
    if (filter.to !== undefined && at > filter.to) return false;
  }
  return true;
}
