import type { Notifier } from './notifier.js';

export interface WebhookNotifierOptions {
  readonly url: string;
  /** Extra request headers, e.g. an Authorization token. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per attempt. */
  readonly timeoutMs?: number;
  /** Attempts after the first. */
  readonly retries?: number;
  /** First wait between attempts; doubles each time. */
  readonly backoffMs?: number;
  /** For tests. */
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class WebhookError extends Error {
  constructor(
    message: string,
    /** Whether another attempt may succeed. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WebhookError';
  }
}

/**
 * POSTs `{ text, alert }` as JSON (the `text` field suits Slack-style incoming webhooks). Retries
 * network errors, timeouts, 429 and 5xx with exponential backoff; a 4xx other than 429 is a
 * configuration error that retrying cannot fix.
 */
export function webhookNotifier(options: WebhookNotifierOptions): Notifier {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 5_000;

  const attempt = async (body: string): Promise<void> => {
    let response: Response;
    try {
      response = await doFetch(options.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...options.headers },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new WebhookError(`webhook unreachable: ${err instanceof Error ? err.message : String(err)}`, true, { cause: err });
    }
    // Drained so the connection can be reused.
    await response.text().catch(() => undefined);
    if (response.ok) return;
    throw new WebhookError(`webhook answered ${response.status}`, response.status === 429 || response.status >= 500);
  };

  return {
    name: 'webhook',
    async notify(alert, message) {
      const body = JSON.stringify({ text: message, alert });
      for (let n = 0; ; n++) {
        try {
          return await attempt(body);
        } catch (err) {
          if (!(err instanceof WebhookError) || !err.retryable || n >= retries) throw err;
          await sleep(backoffMs * 2 ** n);
        }
      }
    },
  };
}
