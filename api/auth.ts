/**
 * Bearer-token checks. The token is compared through SHA-256 digests with timingSafeEqual, so neither
 * its content nor its length shows in the answer time. Never logged, never echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors.js';

export interface TokenSettings {
  /** The secret; undefined: no token configured. */
  readonly token?: string;
  /** Who a request with the token is, for the re-drive record. */
  readonly name: string;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function tokenMatches(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerOf(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Throws 401 without a token, 403 with a wrong one; returns the caller's name. */
export function requireToken(settings: TokenSettings, authorization: string | undefined): string {
  if (settings.token === undefined) throw new ApiError(403, 'Forbidden', 'writes are off: this server has no API_TOKEN');
  const given = bearerOf(authorization);
  if (given === undefined) throw new ApiError(401, 'Unauthorized', 'send the API token as Authorization: Bearer <token>');
  if (!tokenMatches(settings.token, given)) throw new ApiError(403, 'Forbidden', 'the token is not valid');
  return settings.name;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1']);

/** Whether binding here keeps the server to this machine. */
export const isLoopback = (host: string): boolean => LOCAL_HOSTS.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
