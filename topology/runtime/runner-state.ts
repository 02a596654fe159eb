/**
 * The runner's lifecycle, as an explicit state machine (after Kafka Streams' StreamThread.State).
 *
 *   from       | may go to
 *   -----------|-----------------------------
 *   idle       | starting, stopping
 *   starting   | running, stopping, failed
 *   running    | stopping, failed
 *   failed     | stopping          (the shutdown that follows a fatal error; it ends in failed again)
 *   stopping   | stopped, failed
 *   stopped    | (none)
 *
 * Invariant: once a stop was asked for or a fatal error happened (stopping, stopped, failed), no
 * path leads back to starting or running. Code that awaited (start() connecting, joining) must ask
 * `state` again afterwards instead of assuming it still holds; an illegal transition throws.
 */
export type RunnerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export const RUNNER_TRANSITIONS: Readonly<Record<RunnerState, readonly RunnerState[]>> = {
  idle: ['starting', 'stopping'],
  starting: ['running', 'stopping', 'failed'],
  running: ['stopping', 'failed'],
  failed: ['stopping'],
  stopping: ['stopped', 'failed'],
  stopped: [],
};

export class IllegalRunnerTransition extends Error {
  constructor(
    readonly from: RunnerState,
    readonly to: RunnerState,
  ) {
    super(`illegal runner transition ${from} → ${to}`);
    this.name = 'IllegalRunnerTransition';
  }
}

export class RunnerLifecycle {
  private current: RunnerState = 'idle';

  get state(): RunnerState {
    return this.current;
  }

  /** True from the moment a stop or a fatal error happened: work in progress should unwind. */
  get ending(): boolean {
    return this.current === 'stopping' || this.current === 'stopped' || this.current === 'failed';
  }

  canMoveTo(to: RunnerState): boolean {
    return RUNNER_TRANSITIONS[this.current].includes(to);
  }

  /** Moves to `to`, or throws IllegalRunnerTransition and stays where it was. */
  moveTo(to: RunnerState): void {
    if (!this.canMoveTo(to)) throw new IllegalRunnerTransition(this.current, to);
    this.current = to;
  }
}
