/**
 * POST /api/session (log in with the token: a session cookie), GET /api/session (whether this
 * browser needs to and has), DELETE /api/session (log out). See api/session.ts for the cookie.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tokenMatches, type TokenSettings } from '../auth.js';
import { ApiError } from '../errors.js';
import { errorSchema } from '../resources/json-api.js';
import { cookieValue, SESSION_COOKIE, SESSION_TTL_MS, sessionCookie, type SessionStore } from '../session.js';

/**
 * Login attempts one address may make per window: a person who mistypes the token a few times is
 * not stopped, while guessing it (at least 16 characters) gets nowhere. Counted per client IP in
 * this server's memory; behind a proxy every client shares the proxy's address.
 */
export const LOGIN_ATTEMPTS = { max: 5, timeWindow: 60_000 } as const;

export const sessionOf = (request: FastifyRequest): string | undefined => cookieValue(request.headers.cookie, SESSION_COOKIE);

const sessionState = {
  type: 'object',
  required: ['tokenRequired', 'authenticated'],
  properties: {
    tokenRequired: { type: 'boolean', description: 'whether reading needs the token or a session here (true when bound beyond localhost)' },
    authenticated: { type: 'boolean', description: 'whether this request carries a valid session cookie' },
  },
} as const;

export function registerSession(app: FastifyInstance, sessions: SessionStore, auth: TokenSettings, tokenRequired: boolean): void {
  app.get(
    '/api/session',
    { schema: { summary: 'Whether this browser must log in, and whether it has', tags: ['session'], response: { 200: sessionState } } },
    (request) => ({ tokenRequired, authenticated: sessions.isValid(sessionOf(request)) }),
  );
  app.post(
    '/api/session',
    {
      schema: {
        summary: 'Log in with the API token: answers a session cookie (HttpOnly, SameSite=Strict, Secure over https)',
        description:
          "The cookie holds a random session id, never the token; it lets a browser read (pages, GET routes, the event stream) where the server is bound beyond localhost. Re-drive still needs Authorization: Bearer <API_TOKEN>. Sessions last 8 hours and live in the server's memory. " +
          `At most ${LOGIN_ATTEMPTS.max} attempts a minute from one address: more answer 429 with Retry-After.`,
        tags: ['session'],
        body: { type: 'object', required: ['token'], additionalProperties: false, properties: { token: { type: 'string', minLength: 1, maxLength: 1024 } } },
        response: { 200: sessionState, 400: errorSchema, 403: errorSchema, 429: errorSchema },
      },
      config: {
        rateLimit: {
          ...LOGIN_ATTEMPTS,
          errorResponseBuilder: (_request, { ttl }) => {
            const seconds = Math.max(1, Math.ceil(ttl / 1000));
            return new ApiError(
              429,
              'Too Many Requests',
              `too many login attempts from this address: try again in ${seconds} second${seconds === 1 ? '' : 's'}`,
            );
          },
        },
      },
    },
    (request, reply) => {
      const { token } = request.body as { token: string };
      if (auth.token === undefined) throw new ApiError(403, 'Forbidden', 'this server has no API_TOKEN: nothing to log in to');
      if (!tokenMatches(auth.token, token)) throw new ApiError(403, 'Forbidden', 'the token is not valid');
      sessions.end(sessionOf(request));
      void reply.header('set-cookie', sessionCookie(sessions.create(), { secure: request.protocol === 'https', maxAgeMs: SESSION_TTL_MS }));
      return { tokenRequired, authenticated: true };
    },
  );
  app.delete(
    '/api/session',
    { schema: { summary: 'Log out: ends the session and clears its cookie', tags: ['session'], response: { 200: sessionState } } },
    (request, reply) => {
      sessions.end(sessionOf(request));
      void reply.header('set-cookie', sessionCookie('', { secure: request.protocol === 'https', maxAgeMs: 0 }));
      return { tokenRequired, authenticated: false };
    },
  );
}
