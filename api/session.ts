/**
 * Browser sessions for a server bound beyond localhost, where every route needs the token but a
 * browser cannot put a header on a page load or an EventSource. POST /api/session with the token
 * answers a cookie holding a random session id (never the token, never in a URL): HttpOnly, so page
 * scripts cannot read it; SameSite=Strict, so no other site's page sends it; Secure over https.
 * Sessions live in this process's memory: a restart or DELETE /api/session ends them.
 * A session reads; writes (re-drive) still need the token in the Authorization header, so a forged
 * cross-site request that carries the cookie can do nothing but read, and SameSite keeps even that out.
 */
import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'tempstream_session';
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
/** Beyond this many live sessions the oldest is dropped: memory stays bounded whoever logs in. */
export const MAX_SESSIONS = 10_000;

export class SessionStore {
  /** Session id → when it expires; a Map keeps insertion order, oldest first. */
  private readonly sessions = new Map<string, number>();

  constructor(
    private readonly ttlMs = SESSION_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  create(): string {
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, this.now() + this.ttlMs);
    while (this.sessions.size > MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    return id;
  }

  isValid(id: string | undefined): boolean {
    if (id === undefined) return false;
    const expires = this.sessions.get(id);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.sessions.delete(id);
      return false;
    }
    return true;
  }

  end(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }
}

/** The value of one cookie in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** Set-Cookie for a session id; an empty id with maxAge 0 clears it. */
export function sessionCookie(id: string, options: { secure: boolean; maxAgeMs: number }): string {
  return [
    `${SESSION_COOKIE}=${id}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.floor(options.maxAgeMs / 1000)}`,
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}
