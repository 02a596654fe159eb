import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { TempRangeAlert } from '../../schemas/index.js';
import { fanOut } from './fan-out.js';
import { alertNotice, episodeNotice, silenceNotice, type Notifier } from './notifier.js';
import { NotifyError } from './notify-error.js';
import { WebhookError, webhookNotifier } from './webhook-notifier.js';

const alert: TempRangeAlert = {
  reading: { deviceId: 'oven-7', readingTime: 0, temperature: 140, unit: 'FAHRENHEIT' },
  rule: 'temp-range',
  direction: 'HIGH',
  temperatureFahrenheit: 140,
  bound: 120,
  minTemp: 40,
  maxTemp: 120,
  sourceTopic: 'temperature-readings',
  sourcePartition: 0,
  sourceOffset: '1',
};

/** A fetch that answers with the given statuses in turn (an Error means "network down"), recording requests. */
function scriptedFetch(answers: (number | Error)[]) {
  const requests: { url: string; init: RequestInit }[] = [];
  const fake = (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    requests.push({ url: typeof url === 'string' ? url : url instanceof URL ? url.href : url.url, init: init ?? {} });
    const next = answers.shift() ?? 200;
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(new Response('ok', { status: next }));
  };
  return { fetch: fake, requests };
}

describe('webhookNotifier', () => {
  it('POSTs the line and the alert as JSON, with the configured headers', async () => {
    const { fetch, requests } = scriptedFetch([200]);
    await webhookNotifier({ url: 'https://hooks.example/alert', fetch, headers: { Authorization: 'Bearer t' } }).notify(alertNotice(alert), 'the line');
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toBe('https://hooks.example/alert');
    expect(requests[0]!.init.method).toBe('POST');
    expect(requests[0]!.init.headers).toMatchObject({ 'Content-Type': 'application/json', Authorization: 'Bearer t' });
    // The text is the alert's own line (free text escaped for chat markup), whatever line it is handed.
    expect(JSON.parse(requests[0]!.init.body as string)).toEqual({ text: 'device oven-7 read 140°F at 1970-01-01T00:00:00.000Z, above MAX_TEMP 120°F', alert });
    expect(requests[0]!.init.signal).toBeInstanceOf(AbortSignal);
  });

  it('POSTs an episode event as {text, episode} and a silence event as {text, silence}, the device id escaped', async () => {
    const { fetch, requests } = scriptedFetch([200, 200]);
    const hook = webhookNotifier({ url: 'https://hooks.example/x', fetch });
    const episode = {
      episodeId: 'oven@7/0/LOW',
      deviceId: 'oven@7',
      event: 'OPENED',
      direction: 'LOW',
      openedAt: 0,
      resolvedAt: null,
      firstTemperatureF: 35,
      peakTemperatureF: 35,
      lastTemperatureF: 35,
      readings: 1,
      durationMs: 0,
      minTemp: 40,
      maxTemp: 120,
      hysteresis: 2,
    } as const;
    await hook.notify(episodeNotice(episode), 'x');
    const silence = { deviceId: 'oven-7', event: 'SILENT', lastSeenAt: 0, detectedAt: 60_000, silenceMs: 60_000 } as const;
    await hook.notify(silenceNotice(silence), 'x');
    expect(requests.map((r) => JSON.parse(r.init.body as string) as unknown)).toEqual([
      { text: 'device oven@\u200b7 out of range since 1970-01-01T00:00:00.000Z: 35°F, below MIN_TEMP 40°F', episode },
      { text: 'device oven-7 silent: no reading since 1970-01-01T00:00:00.000Z (timeout 1 min)', silence },
    ]);
  });

  it('retries network errors, 429 and 5xx with doubling waits', async () => {
    const waits: number[] = [];
    const { fetch, requests } = scriptedFetch([new TypeError('fetch failed'), 503, 429, 200]);
    await webhookNotifier({ url: 'http://h', fetch, retries: 3, backoffMs: 100, sleep: (ms) => (waits.push(ms), Promise.resolve()) }).notify(
      alertNotice(alert),
      'x',
    );
    expect(requests).toHaveLength(4);
    expect(waits).toEqual([100, 200, 400]);
  });

  it('gives up after the last retry', async () => {
    const { fetch, requests } = scriptedFetch([500, 500, 500]);
    const notify = webhookNotifier({ url: 'http://h', fetch, retries: 2, sleep: () => Promise.resolve() }).notify(alertNotice(alert), 'x');
    await expect(notify).rejects.toThrow(/webhook at h answered 500/);
    expect(requests).toHaveLength(3);
  });

  it('does not retry a 4xx: retrying cannot fix a wrong URL or token', async () => {
    const { fetch, requests } = scriptedFetch([401]);
    const notify = webhookNotifier({ url: 'http://h', fetch, sleep: () => Promise.resolve() }).notify(alertNotice(alert), 'x');
    await expect(notify).rejects.toBeInstanceOf(WebhookError);
    expect(requests).toHaveLength(1);
  });

  it('times out a request that hangs, and retries it', async () => {
    let calls = 0;
    const hanging = ((_url: string, init?: RequestInit) => {
      calls++;
      if (calls > 1) return Promise.resolve(new Response('ok'));
      return new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)));
    }) as typeof fetch;
    await webhookNotifier({ url: 'http://h', fetch: hanging, timeoutMs: 20, sleep: () => Promise.resolve() }).notify(alertNotice(alert), 'x');
    expect(calls).toBe(2);
  });
});

/** A webhook receiver on 127.0.0.1 that answers with `handle`, recording what it received. */
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});
async function receiver(handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const received: { path: string; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      handle(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}
const noWait = { sleep: () => Promise.resolve(), backoffMs: 1 };
/** The error a notification failed with; a notification that succeeded fails the test. */
const failureOf = (notifying: Promise<void>): Promise<WebhookError> =>
  notifying.then(
    () => Promise.reject(new Error('expected the notification to fail')),
    (e: unknown) => e as WebhookError,
  );

describe('webhookNotifier against a local HTTP server', () => {
  it.each([301, 302, 303, 307, 308])(
    'does not follow a %i redirect (it would re-POST the alert anywhere): a permanent failure that says so',
    async (status) => {
      const elsewhere = await receiver((_req, res) => res.end('ok'));
      const hook = await receiver((_req, res) => res.writeHead(status, { Location: `${elsewhere.url}/stolen` }).end());
      const failure = await webhookNotifier({ url: `${hook.url}/hook`, retries: 3, ...noWait })
        .notify(alertNotice(alert), 'x')
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(WebhookError);
      expect(failure).toMatchObject({ permanent: true, retryable: false });
      expect((failure as Error).message).toMatch(new RegExp(`answered ${status}, a redirect, which is not followed`));
      expect(hook.received).toHaveLength(1);
      expect(elsewhere.received).toHaveLength(0);
    },
  );

  it('reads a response body only up to a bound: an endless body does not hold the notification', async () => {
    let closed = false;
    const hook = await receiver((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'a');
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => (closed = true));
      pump();
    });
    await webhookNotifier({ url: hook.url, retries: 0, timeoutMs: 5_000, maxResponseBytes: 64 * 1024, ...noWait }).notify(alertNotice(alert), 'x');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);
  });

  it('names the answer in a refusal, a bounded piece of it, and classifies 4xx as permanent but 408 and 429 as transient', async () => {
    const answers = [404, 410, 401, 400, 408, 429];
    const hook = await receiver((_req, res) => res.writeHead(answers.shift() ?? 200).end(`no_service${'!'.repeat(10_000)}`));
    const attempt = () => failureOf(webhookNotifier({ url: hook.url, retries: 0, ...noWait }).notify(alertNotice(alert), 'x'));
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await attempt());
    expect(outcomes.map((e) => e.permanent)).toEqual([true, true, true, true, false, false]);
    expect(outcomes[0]!.message).toMatch(/^webhook at 127\.0\.0\.1:\d+ answered 404: no_service!+$/);
    expect(outcomes[0]!.message.length).toBeLessThan(400);
  });

  it('refuses a URL with credentials for good without sending anything, and never repeats the credentials', async () => {
    const hook = await receiver((_req, res) => res.end('ok'));
    const url = hook.url.replace('http://', 'http://alice:s3cret-pass@');
    const failure = await failureOf(webhookNotifier({ url, retries: 3, ...noWait }).notify(alertNotice(alert), 'x'));
    expect(failure).toMatchObject({ permanent: true });
    expect(failure.message).toMatch(/credentials/);
    expect(failure.message).not.toMatch(/alice|s3cret/);
    expect(hook.received).toHaveLength(0);
  });

  it.each(['not a url', 'ftp://127.0.0.1/hook'])('refuses %j for good', async (url) => {
    const failure = await failureOf(webhookNotifier({ url, ...noWait }).notify(alertNotice(alert), 'x'));
    expect(failure).toMatchObject({ permanent: true });
    expect(failure.message).toMatch(/webhook URL/);
  });

  it('never repeats the token in the URL path or query in its errors', async () => {
    const hook = await receiver((_req, res) => res.writeHead(500).end(`bad token /services/T0/B0/TOKEN123 ?key=QUERYKEY`));
    const failure = await failureOf(
      webhookNotifier({ url: `${hook.url}/services/T0/B0/TOKEN123?key=QUERYKEY`, retries: 0, ...noWait }).notify(alertNotice(alert), 'x'),
    );
    expect(failure.message).toMatch(/answered 500/);
    expect(failure.message).not.toMatch(/TOKEN123|QUERYKEY/);
    hook.server.close();
    const closed = await failureOf(webhookNotifier({ url: `${hook.url}/services/T0/B0/TOKEN123`, retries: 0, ...noWait }).notify(alertNotice(alert), 'x'));
    expect(closed).toMatchObject({ permanent: false });
    expect(closed.message).not.toMatch(/TOKEN123/);
  });

  it('escapes a device id and a rule name into chat markup: no mention, no link, no markup', async () => {
    const hook = await receiver((_req, res) => res.end('ok'));
    const hostile: TempRangeAlert = {
      ...alert,
      rule: '<!here>',
      reading: { ...alert.reading, deviceId: '<!channel> @here <@U123> <http://evil.example|click> evil.example & co' },
    };
    await webhookNotifier({ url: hook.url, ...noWait }).notify(alertNotice(hostile), 'x');
    const { text, alert: sent } = JSON.parse(hook.received[0]!.body) as { text: string; alert: TempRangeAlert };
    expect(text).not.toMatch(/[<>]/);
    expect(text).not.toMatch(/@here|@channel|evil\.example|http:\/\//);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&amp; co');
    expect(text.replace(/\u200B/g, '')).toContain('&lt;!channel&gt; @here &lt;@U123&gt; &lt;http://evil.example|click&gt; evil.example &amp; co');
    expect(sent.reading.deviceId).toBe(hostile.reading.deviceId); // the data itself stays as it is
  });
});

describe('fanOut', () => {
  it('tells every notifier even when one fails, then fails', async () => {
    const told: string[] = [];
    const ok: Notifier = { name: 'ok', notify: (_a, m) => (told.push(m), Promise.resolve()) };
    const broken: Notifier = { name: 'broken', notify: () => Promise.reject(new Error('down')) };
    await expect(fanOut(broken, ok).notify(alertNotice(alert), 'line')).rejects.toThrow('broken: down');
    expect(told).toEqual(['line']);
  });

  it('skips the notifiers it is told have delivered, and says which are settled and whether the rest may succeed later', async () => {
    const told: string[] = [];
    const ok: Notifier = { name: 'ok', notify: () => (told.push('ok'), Promise.resolve()) };
    const gone: Notifier = { name: 'gone', notify: () => (told.push('gone'), Promise.reject(new WebhookError('answered 410', false))) };
    const busy: Notifier = { name: 'busy', notify: () => (told.push('busy'), Promise.reject(new WebhookError('answered 503', true))) };
    const first = await fanOut(ok, gone, busy)
      .notify(alertNotice(alert), 'line')
      .catch((e: unknown) => e);
    expect(first).toBeInstanceOf(NotifyError);
    expect(first).toMatchObject({ permanent: false, settled: ['ok', 'gone'] });
    told.length = 0;
    const again = await fanOut(ok, gone, busy)
      .notify(alertNotice(alert), 'line', { skip: new Set(['ok', 'gone']) })
      .catch((e: unknown) => e);
    expect(told).toEqual(['busy']);
    expect(again).toMatchObject({ permanent: false, settled: ['ok', 'gone'], message: 'notifying failed: busy: answered 503' });
    const lastOnly = await fanOut(ok, gone)
      .notify(alertNotice(alert), 'line', { skip: new Set(['ok']) })
      .catch((e: unknown) => e);
    expect(lastOnly).toMatchObject({ permanent: true, settled: ['ok', 'gone'] });
  });

  it('refuses two notifiers of one name: a retry could not tell them apart', () => {
    const a: Notifier = { name: 'webhook', notify: () => Promise.resolve() };
    expect(() => fanOut(a, { ...a })).toThrow(/two notifiers named webhook/);
  });
});
