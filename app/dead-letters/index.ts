export { toDeadLetter, type DeadLetter, type DeadLetterReason, type DlqMessage } from './dead-letter.js';
export { matchesDeadLetter, failedAtMs, type DeadLetterFilter } from './dead-letter-filter.js';
export { DEFAULT_MAX_RECORDS, type ReadOptions } from './dlq-reader.js';
export type { DecodedValue } from './value-decoder.js';
export {
  DeadLetterTools,
  DLQ_TOPICS,
  DLQ_SOURCES,
  type DeadLetterView,
  type DeadLetterList,
  type RedriveOutcome,
  type RedriveResult,
  type RedriveRequest,
  type DeadLetterToolsDeps,
} from './dead-letter-tools.js';
