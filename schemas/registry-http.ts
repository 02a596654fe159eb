/**
 * The few Confluent Schema Registry REST calls that registration needs. @kafkajs/confluent-schema-registry
 * has no compatibility-check API, so this speaks REST with `fetch`, against the same base URL and
 * with the same basic auth as the serdes' client.
 */
export interface RegistryConnection {
  /** Base URL, e.g. http://localhost:8081 (a path prefix is kept). */
  readonly url: string;
  readonly auth?: { readonly username: string; readonly password: string };
  readonly timeoutMs?: number;
  /** For tests; the global `fetch` by default. */
  readonly fetch?: typeof fetch;
}

export class SchemaRegistryHttpError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly errorCode: number | undefined,
    detail: string,
  ) {
    super(`schema registry ${method} ${path} answered ${status}${errorCode === undefined ? '' : ` (error ${errorCode})`}: ${detail}`);
    this.name = 'SchemaRegistryHttpError';
  }
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export class RegistryHttp {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly connection: RegistryConnection) {
    this.base = connection.url.replace(/\/+$/, '');
    this.doFetch = connection.fetch ?? fetch;
  }

  /** The parsed body, or `undefined` for a 404 (subject, version or schema not found). */
  async call<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T | undefined> {
    const headers: Record<string, string> = { Accept: CONTENT_TYPE };
    if (body !== undefined) headers['Content-Type'] = CONTENT_TYPE;
    const { auth } = this.connection;
    if (auth) headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    const response = await this.doFetch(`${this.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.connection.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    const parsed = parseJson(text);
    if (response.status === 404) return undefined;
    if (!response.ok) {
      const errorCode = typeof parsed?.error_code === 'number' ? parsed.error_code : undefined;
      const detail = typeof parsed?.message === 'string' ? parsed.message : text.slice(0, 500);
      throw new SchemaRegistryHttpError(method, path, response.status, errorCode, detail);
    }
    return parsed as T;
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const subjectPath = (subject: string): string => `/subjects/${encodeURIComponent(subject)}`;
