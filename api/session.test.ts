import { describe, expect, it } from 'vitest';
import { isOpenRequest } from './server.js';
import { cookieValue, MAX_SESSIONS, SessionStore, sessionCookie } from './session.js';

describe('SessionStore', () => {
  it('knows the ids it made until they expire or end', () => {
    let now = 1_000;
    const store = new SessionStore(60_000, () => now);
    const id = store.create();
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.isValid(id)).toBe(true);
    expect(store.isValid(`${id}x`)).toBe(false);
    expect(store.isValid(undefined)).toBe(false);
    now += 60_000;
    expect(store.isValid(id)).toBe(false);
    const other = store.create();
    store.end(other);
    expect(store.isValid(other)).toBe(false);
  });

  it('keeps at most MAX_SESSIONS, dropping the oldest', () => {
    const store = new SessionStore();
    const first = store.create();
    for (let i = 0; i < MAX_SESSIONS; i++) store.create();
    expect(store.isValid(first)).toBe(false);
  });
});

describe('the session cookie', () => {
  it('is Secure over https only', () => {
    expect(sessionCookie('abc', { secure: true, maxAgeMs: 1000 })).toBe('tempstream_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=1; Secure');
    expect(sessionCookie('abc', { secure: false, maxAgeMs: 1000 })).not.toContain('Secure');
  });

  it('is read back from a Cookie header among others', () => {
    expect(cookieValue('a=1; tempstream_session=xyz; b=2', 'tempstream_session')).toBe('xyz');
    expect(cookieValue('tempstream_sessionx=1', 'tempstream_session')).toBeUndefined();
    expect(cookieValue(undefined, 'tempstream_session')).toBeUndefined();
  });
});

describe('requests open without the token', () => {
  it.each([
    ['GET', '/healthz', true],
    ['POST', '/api/session', true],
    ['GET', '/', true],
    ['GET', '/assets/index-abc.js', true],
    ['GET', '/api/devices', false],
    ['GET', '/api', false],
    ['GET', '/api/events', false],
    ['GET', '/docs/', false],
    ['GET', '/openapi.json', false],
    ['POST', '/anything', false],
  ])('%s %s → %s', (method, path, open) => {
    expect(isOpenRequest(method, path)).toBe(open);
  });
});
