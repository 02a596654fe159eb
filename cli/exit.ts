/**
 * How a command ends. The contract: 0 done, 1 the work failed at run time, 2 the command was asked
 * wrongly (a bad argument or configuration). Every failure is one message on stderr.
 */
import { CommanderError } from 'commander';
import { errorMessage } from '../topology/index.js';
import { ConfigError, redactUrl } from './config.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A bad argument that commander's own parsing cannot see (e.g. two flags that contradict each other). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A command that failed and says so itself; `message` is printed as is (it may be empty when already printed). */
export class ExitError extends Error {
  override readonly name = 'ExitError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

/** Help and version are shown through commander's error path, but they are not failures. */
const COMMANDER_SUCCESS = new Set(['commander.helpDisplayed', 'commander.version']);

export interface Failure {
  readonly exitCode: number;
  /** What to print on stderr; empty when it was printed already (commander prints its own). */
  readonly message: string;
}

/** Maps whatever a command threw to its exit code and the one line a person reads. */
export function failureOf(error: unknown): Failure {
  if (error instanceof CommanderError) {
    return { exitCode: COMMANDER_SUCCESS.has(error.code) ? EXIT_OK : EXIT_USAGE, message: '' };
  }
  if (error instanceof ConfigError) {
    return { exitCode: EXIT_USAGE, message: `${error.message}\n(settings come from environment variables or the flags in \`tempstream --help\`)` };
  }
  if (error instanceof UsageError) return { exitCode: EXIT_USAGE, message: error.message };
  if (error instanceof ExitError) return { exitCode: error.exitCode, message: error.message };
  // Drivers sometimes quote the URL they were given: mask any password in it.
  return { exitCode: EXIT_FAILURE, message: redactUrl(errorMessage(error)) };
}

/**
 * Runs one step of a command so that a failure says what was being done ("creating topics on
 * localhost:9092: Connection error ..."), not only what the driver saw.
 */
export async function during<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ExitError || err instanceof UsageError || err instanceof ConfigError) throw err;
    throw new ExitError(`${what}: ${redactUrl(errorMessage(err))}`);
  }
}
