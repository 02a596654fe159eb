import { Validator } from '@seriousme/openapi-schema-validator';
import { Kafka } from 'kafkajs';
import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterTools } from '../app/index.js';
import { silentLogger } from '../topology/index.js';
import { buildApiServer, checkSecurity } from './server.js';
import type { FastifyInstance } from 'fastify';

// No database and no broker: these requests are answered before anything is queried.
const knex = knexFactory({ client: 'mysql2' });
const deadLetters = new DeadLetterTools({
  kafka: new Kafka({ brokers: ['127.0.0.1:1'] }),
  registry: { getSchema: () => Promise.reject(new Error('none')), getRegistryIdBySchema: () => Promise.reject(new Error('none')) },
  knex,
  logger: silentLogger,
});
const TOKEN = 'a-test-token-of-some-length';
let app: FastifyInstance;

beforeAll(async () => {
  app = await buildApiServer({ knex, limits: { minTemp: 45, maxTemp: 110 }, security: { host: '127.0.0.1', token: TOKEN, tokenName: 'test' }, deadLetters });
});
afterAll(async () => {
  await app.close();
  await knex.destroy();
});

describe('the API server (no stack)', () => {
  it('serves an OpenAPI 3.1 document that validates, with every route', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const document = res.json<{ openapi: string; paths: Record<string, unknown> }>();
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(document.paths).sort()).toEqual(
      [
        '/api/alerts',
        '/api/dead-letters',
        '/api/dead-letters/redrive',
        '/api/dead-letters/{topic}/{partition}/{offset}',
        '/api/devices',
        '/api/episodes',
        '/api/events',
        '/api/readings',
        '/api/rollups',
        '/api/session',
        '/healthz',
      ].sort(),
    );
  });

  it('serves the interactive page at /docs', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger');
  });

  it.each([
    ['/api/readings?filter[from]=soon', 'filter[from]'],
    ['/api/readings?sort=password', 'sort'],
    ['/api/alerts?filter[direction]=UP', 'filter[direction]'],
    ['/api/devices?page[limit]=5000', 'page[limit]'],
    ['/api/devices?filter[colour]=x', 'filter[colour]'],
    [`/api/devices?filter[device]=${'d'.repeat(65)}`, 'filter[device]'],
    ['/api/readings?filter[device]=a&filter[device]=b', 'filter[device]'],
    ['/api/dead-letters?filter[sourcePartition]=1.5', 'filter[sourcePartition]'],
    ['/api/dead-letters?filter[minSourceOffset]=abc', 'filter[minSourceOffset]'],
    ['/api/dead-letters/not-a-dlq/0/1', 'topic'],
    ['/api/episodes?filter[status]=open', 'filter[status]'],
    ['/api/episodes?filter[direction]=UP', 'filter[direction]'],
    ['/api/episodes?filter[from]=yesterday', 'filter[from]'],
    ['/api/episodes?filter[to]=2026-13-01T00:00:00Z', 'filter[to]'],
    ['/api/episodes?sort=temperature', 'sort'],
    ['/api/episodes?page[offset]=-1', 'page[offset]'],
    ['/api/episodes?filter[device]=', 'filter[device]'],
    ['/api/episodes?fields[episodes]=password', 'fields[episodes]'],
    ['/api/rollups?filter[from]=noon', 'filter[from]'],
    ['/api/rollups?filter[to]=1e3', 'filter[to]'],
    ['/api/rollups?sort=-mean', 'sort'],
    ['/api/rollups?page[limit]=0', 'page[limit]'],
    ['/api/rollups?filter[status]=OPEN', 'filter[status]'],
    [`/api/rollups?filter[device]=${'x'.repeat(65)}`, 'filter[device]'],
  ])('GET %s → 400 naming %s', async (url, parameter) => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode, res.body).toBe(400);
    const body = res.json<{ errors: { status: string; detail: string; source?: { parameter?: string } }[] }>();
    expect(body.errors[0]?.status).toBe('400');
    expect(body.errors[0]?.source?.parameter).toBe(parameter);
  });

  it('answers 404 in JSON:API for an unknown route', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ errors: [{ status: '404' }] });
  });

  it('re-drive needs the token: 401 without, 403 with a wrong one, and never echoes it', async () => {
    const body = { deadLetters: [{ topic: 'temperature-readings-dlq', partition: 0, offset: '0' }] };
    const without = await app.inject({ method: 'POST', url: '/api/dead-letters/redrive', payload: body });
    expect(without.statusCode).toBe(401);
    const wrong = await app.inject({ method: 'POST', url: '/api/dead-letters/redrive', payload: body, headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.body).not.toContain('not-the-token');
    expect(wrong.body).not.toContain(TOKEN);
  });

  it('refuses a bad re-drive body with 400', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/dead-letters/redrive',
      payload: { deadLetters: [{ topic: 'x', partition: 0, offset: '0' }] },
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.statusCode).toBe(400);
  });

  it('sends no CORS header unless API_CORS_ORIGIN is set', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://evil.example' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('binding beyond localhost', () => {
  it('refuses to start without API_TOKEN, naming it', () => {
    expect(() => checkSecurity({ host: '0.0.0.0', tokenName: 'api' })).toThrow(/API_TOKEN/);
    expect(() => checkSecurity({ host: '127.0.0.1', tokenName: 'api' })).not.toThrow();
  });

  it('then needs the token on every route but /healthz', async () => {
    const open = await buildApiServer({
      knex,
      limits: { minTemp: 45, maxTemp: 110 },
      security: { host: '0.0.0.0', token: TOKEN, tokenName: 'test', corsOrigin: 'https://dash.example' },
    });
    try {
      expect((await open.inject({ method: 'GET', url: '/api/readings' })).statusCode).toBe(401);
      expect((await open.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(401);
      expect((await open.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(401);
      expect((await open.inject({ method: 'GET', url: '/api/readings', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(403);
      const ok = await open.inject({ method: 'GET', url: '/openapi.json', headers: { authorization: `Bearer ${TOKEN}`, origin: 'https://dash.example' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['access-control-allow-origin']).toBe('https://dash.example');
      expect((await open.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('a browser session beyond localhost (POST /api/session)', () => {
  let open: FastifyInstance;
  beforeAll(async () => {
    open = await buildApiServer({ knex, limits: { minTemp: 45, maxTemp: 110 }, security: { host: '0.0.0.0', token: TOKEN, tokenName: 'test' }, deadLetters });
  });
  afterAll(async () => {
    await open.close();
  });
  const login = (token: string) => open.inject({ method: 'POST', url: '/api/session', payload: { token } });
  const cookieOf = (setCookie: string | string[] | undefined): string => String(setCookie).split(';')[0] ?? '';

  it('says a login is needed, and refuses a wrong token with 403 and no cookie', async () => {
    const state = await open.inject({ method: 'GET', url: '/api/session' });
    expect(state.json()).toEqual({ tokenRequired: true, authenticated: false });
    const wrong = await login('not-the-token-at-all');
    expect(wrong.statusCode).toBe(403);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(wrong.body).not.toContain(TOKEN);
    expect((await open.inject({ method: 'POST', url: '/api/session', payload: {} })).statusCode).toBe(400);
  });

  it('with the token answers an HttpOnly SameSite=Strict cookie that is not the token, and the cookie reads', async () => {
    const res = await login(TOKEN);
    expect(res.statusCode).toBe(200);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^tempstream_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    expect(setCookie).not.toContain(TOKEN);
    expect(setCookie).not.toContain('Secure'); // plain http here; over https it is Secure (session.test.ts)
    const cookie = cookieOf(res.headers['set-cookie']);
    expect((await open.inject({ method: 'GET', url: '/openapi.json', headers: { cookie } })).statusCode).toBe(200);
    expect((await open.inject({ method: 'GET', url: '/api/session', headers: { cookie } })).json()).toEqual({ tokenRequired: true, authenticated: true });
    expect((await open.inject({ method: 'GET', url: '/openapi.json', headers: { cookie: 'tempstream_session=forged' } })).statusCode).toBe(401);
  });

  it('a session does not write: re-drive still needs the token header', async () => {
    const cookie = cookieOf((await login(TOKEN)).headers['set-cookie']);
    const body = { deadLetters: [{ topic: 'temperature-readings-dlq', partition: 0, offset: '0' }] };
    expect((await open.inject({ method: 'POST', url: '/api/dead-letters/redrive', payload: body, headers: { cookie } })).statusCode).toBe(401);
  });

  it('logging out ends the session', async () => {
    const cookie = cookieOf((await login(TOKEN)).headers['set-cookie']);
    const out = await open.inject({ method: 'DELETE', url: '/api/session', headers: { cookie } });
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await open.inject({ method: 'GET', url: '/openapi.json', headers: { cookie } })).statusCode).toBe(401);
  });

  it('refuses a sixth login within a minute from one address with 429, even with the right token, and tells when to try again', async () => {
    const from = (remoteAddress: string, token: string) => open.inject({ method: 'POST', url: '/api/session', payload: { token }, remoteAddress });
    for (let attempt = 1; attempt <= 5; attempt++) expect((await from('192.0.2.7', 'not-the-token-at-all')).statusCode).toBe(403);
    const limited = await from('192.0.2.7', TOKEN);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['set-cookie']).toBeUndefined();
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const { errors } = limited.json<{ errors: { status: string; title: string; detail: string }[] }>();
    expect(errors.map((e) => [e.status, e.title])).toEqual([['429', 'Too Many Requests']]);
    expect(errors[0]!.detail).toMatch(/^too many login attempts from this address: try again in \d+ seconds?$/);
    // Another address logs in as usual, and the session state stays readable from the limited one.
    expect((await from('192.0.2.8', TOKEN)).statusCode).toBe(200);
    expect((await open.inject({ method: 'GET', url: '/api/session', remoteAddress: '192.0.2.7' })).statusCode).toBe(200);
  });

  it('serves the login page itself without the token, but no data', async () => {
    expect((await open.inject({ method: 'GET', url: '/api/episodes' })).statusCode).toBe(401);
    expect((await open.inject({ method: 'GET', url: '/api/events' })).statusCode).toBe(401);
    expect((await open.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(401);
    // No web/dist in this test: the dashboard path answers 404, not 401.
    expect((await open.inject({ method: 'GET', url: '/devices' })).statusCode).not.toBe(401);
  });
});
