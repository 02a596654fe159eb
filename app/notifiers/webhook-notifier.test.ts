import { describe, expect, it } from 'vitest';
import type { TempRangeAlert } from '../../schemas/index.js';
import { fanOut } from './fan-out.js';
import type { Notifier } from './notifier.js';
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
    await webhookNotifier({ url: 'https://hooks.example/alert', fetch, headers: { Authorization: 'Bearer t' } }).notify(alert, 'the line');
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toBe('https://hooks.example/alert');
    expect(requests[0]!.init.method).toBe('POST');
    expect(requests[0]!.init.headers).toMatchObject({ 'Content-Type': 'application/json', Authorization: 'Bearer t' });
    expect(JSON.parse(requests[0]!.init.body as string)).toEqual({ text: 'the line', alert });
    expect(requests[0]!.init.signal).toBeInstanceOf(AbortSignal);
  });

  it('retries network errors, 429 and 5xx with doubling waits', async () => {
    const waits: number[] = [];
    const { fetch, requests } = scriptedFetch([new TypeError('fetch failed'), 503, 429, 200]);
    await webhookNotifier({ url: 'http://h', fetch, retries: 3, backoffMs: 100, sleep: (ms) => (waits.push(ms), Promise.resolve()) }).notify(alert, 'x');
    expect(requests).toHaveLength(4);
    expect(waits).toEqual([100, 200, 400]);
  });

  it('gives up after the last retry', async () => {
    const { fetch, requests } = scriptedFetch([500, 500, 500]);
    const notify = webhookNotifier({ url: 'http://h', fetch, retries: 2, sleep: () => Promise.resolve() }).notify(alert, 'x');
    await expect(notify).rejects.toThrow('webhook answered 500');
    expect(requests).toHaveLength(3);
  });

  it('does not retry a 4xx: retrying cannot fix a wrong URL or token', async () => {
    const { fetch, requests } = scriptedFetch([401]);
    const notify = webhookNotifier({ url: 'http://h', fetch, sleep: () => Promise.resolve() }).notify(alert, 'x');
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
    await webhookNotifier({ url: 'http://h', fetch: hanging, timeoutMs: 20, sleep: () => Promise.resolve() }).notify(alert, 'x');
    expect(calls).toBe(2);
  });
});

describe('fanOut', () => {
  it('tells every notifier even when one fails, then fails', async () => {
    const told: string[] = [];
    const ok: Notifier = { name: 'ok', notify: (_a, m) => (told.push(m), Promise.resolve()) };
    const broken: Notifier = { name: 'broken', notify: () => Promise.reject(new Error('down')) };
    await expect(fanOut(broken, ok).notify(alert, 'line')).rejects.toThrow('broken: down');
    expect(told).toEqual(['line']);
  });
});
