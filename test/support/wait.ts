/**
 * Bounded waiting for the real stack: poll a condition until it holds or a deadline passes, then fail
 * with a message that says what was awaited and what was last seen. Never a sleep standing in for a check.
 */
export interface WaitOptions {
  /** What is awaited, for the timeout message: "group g committed past temperature-readings[2]@41". */
  readonly what: string;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Checked before each attempt: a reason to give up at once (a runner that failed will not catch up). */
  readonly abortIf?: () => string | undefined;
}

export class WaitTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WaitTimeoutError';
  }
}

/**
 * Calls `check` until it returns `{ done: true }`; `state` (when given) describes the last observation
 * and ends up in the timeout message.
 */
export async function waitUntil(
  check: () => Promise<{ done: boolean; state?: string }> | { done: boolean; state?: string },
  options: WaitOptions,
): Promise<void> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const interval = options.intervalMs ?? 25;
  let last: string | undefined;
  let lastError: unknown;
  for (;;) {
    const hopeless = options.abortIf?.();
    if (hopeless) throw new WaitTimeoutError(`gave up waiting until ${options.what}: ${hopeless}`);
    try {
      const { done, state } = await check();
      if (done) return;
      last = state;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const failure = lastError instanceof Error ? lastError.message : JSON.stringify(lastError);
      const seen = lastError !== undefined ? `; last attempt failed: ${failure}` : last ? `; last seen: ${last}` : '';
      throw new WaitTimeoutError(`timed out after ${options.timeoutMs} ms waiting until ${options.what}${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, Math.max(1, deadline - Date.now()))));
  }
}

/** Races a promise against a deadline, for steps that are a single await (a group join, a stop). */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting until ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
