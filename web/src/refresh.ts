/**
 * Re-runs a view's load every few seconds while the tab is visible, so new readings show without a
 * reload (the API streams alerts only). Each load aborts the one before, so an old answer never
 * overwrites a newer one.
 */
export interface Refresher {
  /** Loads now (and restarts the timer). */
  now(): void;
  stop(): void;
}

export const REFRESH_MS = 5_000;

export function every(ms: number, load: (signal: AbortSignal) => Promise<void>, onError: (error: unknown) => void): Refresher {
  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const run = (): void => {
    clearTimeout(timer);
    controller?.abort();
    const current = new AbortController();
    controller = current;
    load(current.signal)
      .catch((error: unknown) => {
        if (!current.signal.aborted) onError(error);
      })
      .finally(() => {
        if (!stopped && controller === current) timer = setTimeout(tick, ms);
      });
  };
  const tick = (): void => {
    if (document.hidden) timer = setTimeout(tick, ms);
    else run();
  };
  run();
  return {
    now: run,
    stop() {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
    },
  };
}
