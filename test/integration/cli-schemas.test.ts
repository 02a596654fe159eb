import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { runCliForTest } from '../../cli/testing.js';
import * as schemasModule from '../../schemas/index.js';
import { cliEnv, killAllCli, runCli } from '../support/cli-process.js';
import { uniqueName } from '../support/names.js';

/**
 * Issue 5: `tempstream schemas register|check` against the real registry.
 *
 * The registry is shared by every test file, and the CLI only ever registers the pipeline's own
 * subjects (no subject or schema-dir override), so making `temperature-readings-value` incompatible
 * would break the other files. The refusal path is therefore tested in-process: the CLI's engine
 * (`registerSchemas`) is pointed at a unique subject holding an incompatible earlier version, and the
 * real command (runCliForTest → runCli → the schemas command) is run against the real registry.
 */
type TopicSchemas = NonNullable<schemasModule.RegisterSchemasOptions['schemas']>;
let schemasOverride: TopicSchemas | undefined;

vi.mock('../../schemas/index.js', async (importOriginal) => {
  const actual = await importOriginal<typeof schemasModule>();
  return {
    ...actual,
    registerSchemas: (options: schemasModule.RegisterSchemasOptions) => actual.registerSchemas({ ...options, schemas: schemasOverride ?? options.schemas }),
  };
});

interface Row {
  subject: string;
  version: string;
  id: string;
  outcome: string;
}

/** The SUBJECT/VERSION/ID/OUTCOME table the command prints. */
function tableRows(stdout: string): Row[] {
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((cells) => cells.length === 4 && cells[0]!.endsWith('-value') && /^(\d+|-)$/.test(cells[1]!) && /^[a-z-]+$/.test(cells[3]!))
    .map(([subject, version, id, outcome]) => ({ subject: subject!, version: version!, id: id!, outcome: outcome! }));
}

describe('tempstream schemas (child process + the refusal path in-process)', () => {
  const stack = inject('stack');
  const env = () => cliEnv(stack, { mysqlUrl: stack.mysqlUrl, groupId: uniqueName('cli_schemas') });
  const subjects = schemasModule.TOPIC_SCHEMAS.map((s) => schemasModule.valueSubjectFor(s.topic)).sort();

  afterEach(async () => {
    schemasOverride = undefined;
    await killAllCli();
  });

  it('register: registers (or finds) every subject, a second run is idempotent, check passes', async () => {
    const first = await runCli(['schemas', 'register'], env());
    expect(first.code, first.stderr).toBe(0);
    const firstRows = tableRows(first.stdout);
    expect(firstRows.map((r) => r.subject).sort()).toEqual(subjects);
    for (const r of firstRows) {
      // Another file may have registered them already on this shared registry.
      expect(['registered', 'already-registered']).toContain(r.outcome);
      expect(r.id).toMatch(/^\d+$/);
    }

    const second = await runCli(['schemas', 'register'], env());
    expect(second.code, second.stderr).toBe(0);
    const secondRows = tableRows(second.stdout);
    expect(secondRows.map((r) => r.outcome)).toEqual(secondRows.map(() => 'already-registered'));
    expect(secondRows.map((r) => [r.subject, r.id, r.version])).toEqual(firstRows.map((r) => [r.subject, r.id, r.version]));

    const check = await runCli(['schemas', 'check'], env());
    expect(check.code, check.stderr).toBe(0);
    expect(tableRows(check.stdout).map((r) => [r.subject, r.id, r.outcome])).toEqual(firstRows.map((r) => [r.subject, r.id, 'already-registered']));
  });

  it('an incompatible schema is refused: exit 1, the registry’s reasons, nothing registered', async () => {
    const topic = uniqueName('cli_schemas_topic');
    const v1 = { type: 'record' as const, name: 'Probe', namespace: 'io.tempstream.test', fields: [{ name: 'deviceId', type: 'string' }] };
    // A new field without a default: readers on v2 cannot read v1 data → not BACKWARD-compatible.
    const v2 = { ...v1, fields: [...v1.fields, { name: 'humidity', type: 'double' }] };
    const [registered] = await schemasModule.registerSchemas({ url: stack.schemaRegistryUrl, schemas: [{ topic, schema: v1 }] });
    expect(registered?.outcome).toBe('registered');

    schemasOverride = [{ topic, schema: v2 }];
    const cliEnvIn = env();
    const check = await runCliForTest(['schemas', 'check'], cliEnvIn);
    expect(check.code, check.stderr).toBe(1);
    expect(tableRows(check.stdout)).toEqual([{ subject: `${topic}-value`, version: '-', id: '-', outcome: 'incompatible' }]);
    expect(check.stdout).toMatch(/is incompatible:\n\s+- \S/);
    expect(check.stderr).toMatch(/1 schema\(s\) incompatible with the registry/);

    const register = await runCliForTest(['schemas', 'register'], cliEnvIn);
    expect(register.code, register.stderr).toBe(1);
    expect(register.stderr).toMatch(/incompatible with the registry; nothing was registered/);

    // The subject still has only v1.
    const versions = (await (await fetch(`${stack.schemaRegistryUrl}/subjects/${topic}-value/versions`)).json()) as number[];
    expect(versions).toEqual([registered?.version]);
  });
});
