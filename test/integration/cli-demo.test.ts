import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cliEnv, freePort, httpGet, killAllCli, spawnCli } from '../support/cli-process.js';
import { uniqueName } from '../support/names.js';
import { createTestDatabase, type TestDatabase } from '../support/pipeline-env.js';
import { waitUntil } from '../support/wait.js';

/**
 * `tempstream demo` on an existing stack (all three addresses set) serves the dashboard beside its
 * pipeline and prints where. The counts check of the demo's summary is not asserted here: on the
 * suite's shared topics a new group also reads what other files produced.
 */
describe('tempstream demo (child process)', () => {
  const stack = inject('stack');
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(stack, uniqueName('cli_demo'));
  });

  afterAll(async () => {
    await killAllCli();
    await db?.drop().catch(() => undefined);
  });

  it('prints the dashboard URL and serves the page and the devices it is simulating while it runs', async () => {
    const port = await freePort();
    const demo = spawnCli(['demo', '--duration', '60', '--devices', '3', '--rate', '10'], {
      ...cliEnv(stack, { mysqlUrl: db.url, groupId: uniqueName('cli_demo') }),
      API_PORT: String(port),
    });
    await waitUntil(() => ({ done: demo.stdout.includes(`Dashboard: http://127.0.0.1:${port}/`), state: demo.stdout.slice(-500) }), {
      what: 'the demo printed the dashboard URL',
      timeoutMs: 120_000,
      intervalMs: 250,
      abortIf: () => (demo.running ? undefined : `demo exited:\n${demo.stderr.slice(-3000)}`),
    });
    const page = await httpGet(port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<html/i);
    await waitUntil(
      async () => {
        const r = await httpGet(port, '/api/devices?filter%5Bsearch%5D=sensor-');
        const ids = r.status === 200 ? (JSON.parse(r.body) as { data: { id: string }[] }).data.map((d) => d.id) : [];
        return { done: ['sensor-001', 'sensor-002', 'sensor-003'].every((id) => ids.includes(id)), state: `${r.status} ${ids.join(',')}` };
      },
      { what: "the dashboard's API lists the demo's three devices", timeoutMs: 60_000, intervalMs: 500 },
    );
    demo.signal('SIGINT');
    await demo.wait(60_000);
  });
});
