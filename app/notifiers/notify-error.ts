/**
 * A notification that could not be delivered, and whether trying again may help. Permanent: a
 * wrong URL or token, a redirect, a URL the notifier cannot use; retrying cannot fix these.
 * Its message names no secret (no URL credentials or token): it is logged and stored.
 */
export class NotifyError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    /** Notifiers (by name) done with this alert, delivered or failed for good: a retry skips them. */
    readonly settled: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NotifyError';
  }
}

/** An unknown failure (a bug, a network library's own error) may pass: it is retried, but a bounded number of times. */
export const isPermanentNotifyFailure = (error: unknown): boolean => error instanceof NotifyError && error.permanent;
