import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerSchemas } from '../../schemas/index.js';
import { cliEnv, freePort, httpGet, killAllCli, spawnCli } from '../support/cli-process.js';
import { uniqueName } from '../support/names.js';
import { createTestDatabase, type TestDatabase } from '../support/pipeline-env.js';
import { waitUntil } from '../support/wait.js';

/** `tempstream serve` as a child process: it migrates, answers, prints its URL, and stops cleanly on SIGTERM with a live stream open. */
describe('tempstream serve (child process)', () => {
  const stack = inject('stack');
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(stack, uniqueName('cli_serve'));
    await registerSchemas({ url: stack.schemaRegistryUrl });
  });

  afterAll(async () => {
    await killAllCli();
    await db?.drop().catch(() => undefined);
  });

  it('serves the API and the docs, and exits 0 on SIGTERM while an event stream is open', async () => {
    const port = await freePort();
    const token = 'serve-test-token-0123456789abcdef';
    const serve = spawnCli(['serve', '--port', String(port)], { ...cliEnv(stack, { mysqlUrl: db.url, groupId: uniqueName('cli_serve') }), API_TOKEN: token });
    await waitUntil(
      async () => {
        const r = await httpGet(port, '/healthz').catch(() => ({ status: 0, body: '' }));
        return { done: r.status === 200 && r.body.includes('joined'), state: `/healthz ${r.status} ${r.body}` };
      },
      {
        what: 'tempstream serve answered /healthz with the feed joined',
        timeoutMs: 90_000,
        intervalMs: 250,
        abortIf: () => (serve.running && !serve.stderr.includes('live alert feed did not start') ? undefined : `serve:\n${serve.stderr.slice(-3000)}`),
      },
    );
    expect((await httpGet(port, '/api/readings')).status).toBe(200);
    expect((await httpGet(port, '/api/devices?filter[search]=x')).status).toBe(200);
    expect((await httpGet(port, '/openapi.json')).body).toContain('"openapi":"3.1.0"');
    expect((await httpGet(port, '/docs/')).status).toBe(200);

    const stream = request({ host: '127.0.0.1', port, path: '/api/events' });
    stream.on('response', (res) => res.resume());
    stream.on('error', () => undefined);
    stream.end();
    await new Promise((resolve) => setTimeout(resolve, 500));

    serve.signal('SIGTERM');
    const exit = await serve.wait(60_000);
    expect(exit.code, exit.stderr.slice(-3000)).toBe(0);
    expect(exit.stdout).toContain(`http://127.0.0.1:${port}`);
    expect(exit.stderr).not.toContain(token);
  });
});
