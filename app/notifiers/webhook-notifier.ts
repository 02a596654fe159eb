import { noticeMessage } from '../event-message.js';
import { escapeChatText } from './chat-markup.js';
import type { Notice, Notifier } from './notifier.js';
import { NotifyError } from './notify-error.js';

export interface WebhookNotifierOptions {
  /** Often carries a token in its path: never repeated in an error or a log line. */
  readonly url: string;
  /** Extra request headers, e.g. an Authorization token. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per attempt, the response body included. */
  readonly timeoutMs?: number;
  /** Attempts after the first. */
  readonly retries?: number;
  /** First wait between attempts; doubles each time. */
  readonly backoffMs?: number;
  /** Bytes of a response body read at most (a piece of it names a refusal); the rest is dropped. */
  readonly maxResponseBytes?: number;
  /** Its name in a fan-out (default `webhook`): two webhooks need two names. */
  readonly name?: string;
  /** For tests. */
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class WebhookError extends NotifyError {
  constructor(
    message: string,
    /** Whether another attempt may succeed. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, !retryable, [], options);
    this.name = 'WebhookError';
  }
}

/** Characters of a refusal's body quoted in its error. */
const BODY_EXCERPT_CHARS = 200;

/**
 * POSTs `{ text, alert }` (or `{ text, episode }`, `{ text, silence }`) as JSON (the `text` field
 * suits Slack-style incoming webhooks): `text` is the notice's line with the device id and rule
 * escaped for chat markup. Retries network errors,
 * timeouts, 408, 429 and 5xx with exponential backoff. Permanent, not retried: another 4xx (a wrong
 * URL or token), a redirect (following it would re-POST the alert to wherever it points), and a URL
 * that is none, not http(s), or carries credentials (fetch refuses those; put them in a header).
 */
export function webhookNotifier(options: WebhookNotifierOptions): Notifier {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
  const target = parseWebhookUrl(options.url);
  const redact = 'url' in target ? redactor(target.url) : (text: string) => text;
  const where = 'url' in target ? `webhook at ${target.url.host}` : 'webhook';

  const attempt = async (url: URL, body: string): Promise<void> => {
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...options.headers },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new WebhookError(redact(`${where} unreachable: ${describeFetchError(err)}`), true);
    }
    // Read, bounded, so the connection can be reused and a refusal can say why.
    const answer = await readBounded(response, maxResponseBytes);
    if (response.ok) return;
    const status = response.status;
    if (status >= 300 && status < 400) {
      throw new WebhookError(
        `${where} answered ${status}, a redirect, which is not followed (it would re-send the alert elsewhere): configure the URL it points to`,
        false,
      );
    }
    const excerpt = answer.replace(/\s+/g, ' ').trim().slice(0, BODY_EXCERPT_CHARS);
    throw new WebhookError(redact(`${where} answered ${status}${excerpt ? `: ${excerpt}` : ''}`), status === 408 || status === 429 || status >= 500);
  };

  return {
    name: options.name ?? 'webhook',
    async notify(notice) {
      if ('problem' in target) throw new WebhookError(target.problem, false);
      const body = JSON.stringify({ text: noticeMessage(notice, escapeChatText), ...payloadOf(notice) });
      for (let n = 0; ; n++) {
        try {
          return await attempt(target.url, body);
        } catch (err) {
          if (!(err instanceof WebhookError) || !err.retryable || n >= retries) throw err;
          await sleep(backoffMs * 2 ** n);
        }
      }
    },
  };
}

/** The notice's record under its kind's name: `alert`, `episode` or `silence`. */
function payloadOf(notice: Notice): Record<string, unknown> {
  switch (notice.kind) {
    case 'alert':
      return { alert: notice.alert };
    case 'episode':
      return { episode: notice.episode };
    case 'silence':
      return { silence: notice.silence };
  }
}

/** The URL, or why it cannot be used; the problem names no part of the URL. */
function parseWebhookUrl(text: string): { url: URL } | { problem: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: 'the webhook URL is not a URL (expected http:// or https://...)' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: `the webhook URL must be http:// or https://, not ${url.protocol}` };
  if (url.username !== '' || url.password !== '')
    return { problem: 'the webhook URL carries credentials (user:password@), which fetch refuses: send them in an Authorization header' };
  return { url };
}

/** Removes from a message every part of the URL that may be secret: its path and query (tokens). */
function redactor(url: URL): (text: string) => string {
  const secrets = [url.href, `${url.pathname}${url.search}`, url.pathname, url.search].filter((part) => part.length > 1).sort((a, b) => b.length - a.length);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('/…'), text);
}

/** fetch's own message is bare ("fetch failed"); the cause says what happened (ECONNREFUSED, a timeout). */
function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `${err.message}${cause}`;
}

/** Up to `maxBytes` of the body as text; the rest is not read (the stream is cancelled). */
async function readBounded(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      const piece = value.subarray(0, maxBytes - size);
      chunks.push(piece);
      size += piece.length;
    }
  } catch {
    // A body cut short does not change the answer's status.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8');
}
