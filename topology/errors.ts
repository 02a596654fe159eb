/**
 * Every failure a record can meet is one of these classes; each class has a policy (`dlq` or `fail`).
 * The class travels to the DLQ as a header so an operator can tell bad input from a bad database.
 */
export const ERROR_CLASSES = ['deserialization', 'validation', 'processing', 'sink', 'production'] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export type ErrorPolicy = 'dlq' | 'fail';
export type ErrorPolicies = Readonly<Record<ErrorClass, ErrorPolicy>>;

export const DEFAULT_ERROR_POLICIES: ErrorPolicies = {
  deserialization: 'dlq',
  validation: 'dlq',
  processing: 'dlq',
  sink: 'dlq',
  production: 'dlq',
};

export abstract class TopologyError extends Error {
  abstract readonly errorClass: ErrorClass;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The bytes could not be turned into a value: not the wire format, unknown schema id, corrupt payload. */
export class DeserializationError extends TopologyError {
  readonly errorClass = 'deserialization';
  constructor(
    message: string,
    readonly schemaId?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The value decoded but breaks a declared rule. `rule` names the rule, for the DLQ and for people.
 * It carries no stack: it is the data's fault, not the code's, it is made for every invalid record,
 * and capturing a stack costs more than all the rest of the record's way through.
 */
export class ValidationError extends TopologyError {
  readonly errorClass = 'validation';
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(stacklessFrom(message));
    Error.stackTraceLimit = stackTraceLimitBefore;
  }
}

let stackTraceLimitBefore = Error.stackTraceLimit;

/** Turns stack capture off for the Error constructor about to run; the caller turns it back on right after. */
function stacklessFrom(message: string): string {
  stackTraceLimitBefore = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  return message;
}

/** User code in an operator threw. */
export class ProcessingError extends TopologyError {
  readonly errorClass = 'processing';
}

/** A sink refused a record for good (the batch was split until this record stood alone). */
export class SinkError extends TopologyError {
  readonly errorClass = 'sink';
  constructor(
    message: string,
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A record could not be serialized or produced to an output topic. */
export class ProductionError extends TopologyError {
  readonly errorClass = 'production';
}

/** Raised when a record meets an error whose policy is `fail`: the runtime stops without committing it. */
export class FatalTopologyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FatalTopologyError';
  }
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Errors thrown by user code that are not ours become processing errors. */
export function classify(err: unknown): TopologyError {
  if (err instanceof TopologyError) return err;
  return new ProcessingError(errorMessage(err), { cause: err });
}

/**
 * Not the record's fault: a registry or database that is away. The runtime retries these with
 * backoff instead of dead-lettering a good record.
 */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}
