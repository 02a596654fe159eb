import { describe, expect, it } from 'vitest';
import { tempRangeAlertSchema, temperatureReadingSchema, TOPIC_SCHEMAS } from './avro-schemas.js';
import { registerSchemas, SchemaIncompatibleError, SchemaRegistryHttpError } from './registry.js';

interface Call {
  method: string;
  path: string;
  body: unknown;
  authorization: string | undefined;
}

/** A Confluent registry's REST surface, enough for registration: subjects, versions, config, compatibility. */
function fakeRegistry(options: { incompatible?: string[]; failWith?: number } = {}) {
  const subjects = new Map<string, { id: number; schema: string }[]>();
  const config = new Map<string, string>();
  const ids = new Map<string, number>();
  const calls: Call[] = [];
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

  const fetchFake = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = init?.method ?? 'GET';
    const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const headers = (init?.headers ?? {}) as Record<string, string>;
    calls.push({ method, path: url.pathname + url.search, body, authorization: headers.Authorization });
    if (options.failWith) return Promise.resolve(json(options.failWith, { error_code: 50001, message: 'store error' }));
    const schema = (body as { schema?: string } | undefined)?.schema ?? '';
    let m: RegExpMatchArray | null;
    if ((m = url.pathname.match(/^\/compatibility\/subjects\/([^/]+)\/versions\/latest$/))) {
      const subject = decodeURIComponent(m[1]!);
      if (!subjects.has(subject)) return Promise.resolve(json(404, { error_code: 40401, message: 'Subject not found' }));
      const bad = options.incompatible?.includes(subject);
      return Promise.resolve(json(200, bad ? { is_compatible: false, messages: ['reader field x has no default'] } : { is_compatible: true }));
    }
    if ((m = url.pathname.match(/^\/subjects\/([^/]+)\/versions$/)) && method === 'POST') {
      const subject = decodeURIComponent(m[1]!);
      const id = ids.get(schema) ?? ids.size + 1;
      ids.set(schema, id);
      const versions = subjects.get(subject) ?? [];
      if (!versions.some((v) => v.schema === schema)) versions.push({ id, schema });
      subjects.set(subject, versions);
      return Promise.resolve(json(200, { id }));
    }
    if ((m = url.pathname.match(/^\/subjects\/([^/]+)$/)) && method === 'POST') {
      const subject = decodeURIComponent(m[1]!);
      const versions = subjects.get(subject);
      const index = versions?.findIndex((v) => v.schema === schema) ?? -1;
      if (!versions || index < 0) return Promise.resolve(json(404, { error_code: versions ? 40403 : 40401, message: 'not found' }));
      return Promise.resolve(json(200, { subject, id: versions[index]!.id, version: index + 1, schema }));
    }
    if ((m = url.pathname.match(/^\/config\/([^/]+)$/))) {
      const subject = decodeURIComponent(m[1]!);
      if (method === 'PUT') {
        config.set(subject, (body as { compatibility: string }).compatibility);
        return Promise.resolve(json(200, body));
      }
      const level = config.get(subject);
      return Promise.resolve(level ? json(200, { compatibilityLevel: level }) : json(404, { error_code: 40408, message: 'no subject config' }));
    }
    return Promise.resolve(json(404, { error_code: 404, message: `no route ${method} ${url.pathname}` }));
  };
  return { fetch: fetchFake, calls, subjects, config };
}

const writes = (calls: readonly Call[]) => calls.filter((c) => c.method === 'PUT' || /\/versions$/.test(c.path));

describe('registerSchemas', () => {
  it('registers every schema under <topic>-value with compatibility BACKWARD and reports subject, version and id', async () => {
    const registry = fakeRegistry();
    const results = await registerSchemas({ url: 'http://registry:8081/', fetch: registry.fetch });
    expect(results).toEqual([
      {
        topic: 'temperature-readings',
        subject: 'temperature-readings-value',
        schemaName: 'io.tempstream.TemperatureReading',
        outcome: 'registered',
        id: 1,
        version: 1,
      },
      { topic: 'TempRangeAlert', subject: 'TempRangeAlert-value', schemaName: 'io.tempstream.TempRangeAlert', outcome: 'registered', id: 2, version: 1 },
      { topic: 'TempAlertEpisode', subject: 'TempAlertEpisode-value', schemaName: 'io.tempstream.TempAlertEpisode', outcome: 'registered', id: 3, version: 1 },
      { topic: 'DeviceSilence', subject: 'DeviceSilence-value', schemaName: 'io.tempstream.DeviceSilence', outcome: 'registered', id: 4, version: 1 },
    ]);
    expect(Object.fromEntries(registry.config)).toEqual({
      'temperature-readings-value': 'BACKWARD',
      'TempRangeAlert-value': 'BACKWARD',
      'TempAlertEpisode-value': 'BACKWARD',
      'DeviceSilence-value': 'BACKWARD',
    });
    // What is registered is exactly what the serdes look up by.
    expect(registry.subjects.get('temperature-readings-value')?.[0]?.schema).toBe(JSON.stringify(temperatureReadingSchema));
    expect(registry.subjects.get('TempRangeAlert-value')?.[0]?.schema).toBe(JSON.stringify(tempRangeAlertSchema));
  });

  it('checks compatibility before registering, and sets the level before the new version', async () => {
    const registry = fakeRegistry();
    await registerSchemas({ url: 'http://registry:8081', fetch: registry.fetch, schemas: TOPIC_SCHEMAS.slice(0, 1) });
    expect(registry.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /subjects/temperature-readings-value',
      'POST /compatibility/subjects/temperature-readings-value/versions/latest?verbose=true',
      'GET /config/temperature-readings-value',
      'PUT /config/temperature-readings-value',
      'POST /subjects/temperature-readings-value/versions',
      'POST /subjects/temperature-readings-value',
    ]);
  });

  it('reports schemas registered already, and writes nothing the second time', async () => {
    const registry = fakeRegistry();
    await registerSchemas({ url: 'http://r', fetch: registry.fetch });
    registry.calls.length = 0;
    const again = await registerSchemas({ url: 'http://r', fetch: registry.fetch });
    expect(again.map((r) => [r.outcome, r.version, r.id])).toEqual([
      ['already-registered', 1, 1],
      ['already-registered', 1, 2],
      ['already-registered', 1, 3],
      ['already-registered', 1, 4],
    ]);
    expect(writes(registry.calls)).toEqual([]);
  });

  it('registers nothing when any schema is incompatible, and says why', async () => {
    const registry = fakeRegistry({ incompatible: ['TempRangeAlert-value'] });
    registry.subjects.set('TempRangeAlert-value', [{ id: 9, schema: '{"type":"record","name":"Old","fields":[]}' }]);
    const failing = registerSchemas({ url: 'http://r', fetch: registry.fetch });
    await expect(failing).rejects.toBeInstanceOf(SchemaIncompatibleError);
    await expect(registerSchemas({ url: 'http://r', fetch: registry.fetch })).rejects.toThrow(/TempRangeAlert-value .* reader field x has no default/);
    expect(writes(registry.calls)).toEqual([]);
  });

  it('dry run: reports what it would do and writes nothing', async () => {
    const registry = fakeRegistry({ incompatible: ['TempRangeAlert-value'] });
    registry.subjects.set('TempRangeAlert-value', [{ id: 9, schema: '{}' }]);
    const results = await registerSchemas({ url: 'http://r', fetch: registry.fetch, dryRun: true });
    expect(results.map((r) => [r.subject, r.outcome, r.incompatibilities])).toEqual([
      ['temperature-readings-value', 'would-register', undefined],
      ['TempRangeAlert-value', 'incompatible', ['reader field x has no default']],
      ['TempAlertEpisode-value', 'would-register', undefined],
      ['DeviceSilence-value', 'would-register', undefined],
    ]);
    expect(writes(registry.calls)).toEqual([]);
  });

  it('sends basic auth when configured, and keeps a path prefix of the URL', async () => {
    const registry = fakeRegistry();
    await registerSchemas({ url: 'http://r/registry', auth: { username: 'key', password: 's:cret' }, fetch: registry.fetch, dryRun: true });
    expect(registry.calls.every((c) => c.authorization === `Basic ${Buffer.from('key:s:cret').toString('base64')}`)).toBe(true);
    expect(registry.calls[0]!.path).toBe('/registry/subjects/temperature-readings-value');
  });

  it('fails with the registry status and error code when the registry fails', async () => {
    const registry = fakeRegistry({ failWith: 500 });
    const failing = registerSchemas({ url: 'http://r', fetch: registry.fetch });
    await expect(failing).rejects.toBeInstanceOf(SchemaRegistryHttpError);
    await expect(registerSchemas({ url: 'http://r', fetch: registry.fetch })).rejects.toThrow('answered 500 (error 50001): store error');
  });
});
