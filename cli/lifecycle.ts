/** Long-running commands stop on SIGINT/SIGTERM; a second signal means "now". */
import type { Logger } from './logger.js';

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * Calls `onStop` once at the first SIGINT or SIGTERM. A second one exits at once with 130 (the
 * shell's code for an interrupt), for when a graceful stop hangs. Returns the unsubscribe.
 */
export function onStopSignal(onStop: (signal: NodeJS.Signals) => void, logger: Logger): () => void {
  let received: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (received) {
      logger.warn({ signal }, 'second stop signal: exiting without finishing the graceful stop');
      process.exit(130);
    }
    received = signal;
    logger.info({ signal }, 'stopping gracefully (send it again to exit at once)');
    onStop(signal);
  };
  for (const s of STOP_SIGNALS) process.on(s, handler);
  return () => {
    for (const s of STOP_SIGNALS) process.off(s, handler);
  };
}

/** An AbortSignal that aborts at the first stop signal, with the unsubscribe. */
export function stopSignal(logger: Logger): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const dispose = onStopSignal((s) => controller.abort(s), logger);
  return { signal: controller.signal, dispose };
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Polls `condition` until it holds or `timeoutMs` passes; true when it held. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, pollMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return true;
}
