/** Calls to the tempstream API (same origin), with its JSON:API errors turned into readable messages. */
import type { Collection, CollectionMeta, DeadLetter, DeadLetterMeta, Redrive, RedriveOutcome, SessionState } from './resources.js';

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | undefined>;

export function urlOf(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The first JSON:API error's detail (or title), naming the parameter at fault when the API does. */
async function failure(response: Response): Promise<ApiRequestError> {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { errors?: { title?: string; detail?: string; source?: { parameter?: string } }[] };
    const first = body.errors?.[0];
    if (first) message = [first.source?.parameter, first.detail ?? first.title].filter(Boolean).join(': ');
  } catch {
    // Not JSON: the status line says enough.
  }
  return new ApiRequestError(response.status, message);
}

export async function getJson<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
  const response = await fetch(urlOf(path, query), { headers: { accept: 'application/json' }, signal });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

export const getCollection = <A, M extends CollectionMeta = CollectionMeta>(path: string, query: Query, signal?: AbortSignal): Promise<Collection<A, M>> =>
  getJson<Collection<A, M>>(path, query, signal);

export const getDeadLetters = (query: Query, signal?: AbortSignal): Promise<Collection<DeadLetter, DeadLetterMeta>> =>
  getCollection<DeadLetter, DeadLetterMeta>('/api/dead-letters', query, signal);

export interface RedriveAnswer {
  readonly data: readonly { readonly id: string; readonly attributes: Redrive }[];
  readonly meta: Readonly<Record<RedriveOutcome, number>>;
}

/** POST /api/dead-letters/redrive with the token as a bearer; the token goes nowhere else. */
export async function redrive(positions: readonly { topic: string; partition: number; offset: string }[], token: string): Promise<RedriveAnswer> {
  const response = await fetch('/api/dead-letters/redrive', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ deadLetters: positions }),
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as RedriveAnswer;
}

/** Whether this server needs a login (bound beyond localhost) and whether this browser has one. */
export const getSession = (): Promise<SessionState> => getJson<SessionState>('/api/session');

/**
 * Trades the token for a session cookie (HttpOnly: this page never sees it). The token is sent once,
 * in the body of a same-origin POST, and kept nowhere.
 */
export async function logIn(token: string): Promise<SessionState> {
  const response = await fetch('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as SessionState;
}

export async function logOut(): Promise<void> {
  const response = await fetch('/api/session', { method: 'DELETE', headers: { accept: 'application/json' } });
  if (!response.ok) throw await failure(response);
}
