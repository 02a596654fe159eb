import { afterEach, describe, expect, inject, it } from 'vitest';
import { cliEnv, killAllCli, runCli } from '../support/cli-process.js';
import { uniqueName } from '../support/names.js';

/**
 * Issue 5: a bad configuration stops the real `tempstream` process before it touches anything:
 * exit code 2, stderr names the setting, and a password in a URL never shows up in stderr.
 * Every other setting points at the real stack, so the one bad setting is the only reason to fail.
 */
describe('tempstream with a bad configuration (child process)', () => {
  const stack = inject('stack');
  const good = (): Record<string, string> =>
    cliEnv(stack, { mysqlUrl: stack.mysqlUrl.replace(/\/[^/]*$/, '/never_created_cli_config'), groupId: uniqueName('cli_config') });
  const SECRET = 'Sup3rS3cretPw';

  afterEach(async () => {
    await killAllCli();
  });

  it('KAFKA_BROKERS=not-a-broker → exit 2 naming KAFKA_BROKERS', async () => {
    const r = await runCli(['start'], { ...good(), KAFKA_BROKERS: 'not-a-broker' });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/invalid configuration/);
    expect(r.stderr).toMatch(/KAFKA_BROKERS.*host:port/);
  });

  it('--brokers flag with a bad value → exit 2 naming the variable and the flag', async () => {
    const r = await runCli(['--brokers', 'not-a-broker', 'migrate'], good());
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/KAFKA_BROKERS \(--brokers\)/);
  });

  it('MIN_TEMP=200 MAX_TEMP=100 → exit 2 naming MIN_TEMP and the MAX_TEMP it must be below', async () => {
    const r = await runCli(['start'], { ...good(), MIN_TEMP: '200', MAX_TEMP: '100' });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/MIN_TEMP: must be below MAX_TEMP \(100\)/);
  });

  it('a MYSQL_URL that is not mysql://user:password@host:port/database → exit 2 naming MYSQL_URL, password not echoed', async () => {
    // No database path: the shape check refuses it.
    const r = await runCli(['migrate'], { ...good(), MYSQL_URL: `mysql://root:${SECRET}@127.0.0.1:3306` });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/MYSQL_URL: must look like/);
    expect(r.stderr + r.stdout).not.toContain(SECRET);
  });

  it('a MYSQL_URL whose password is malformed percent-encoding never leaks the password', async () => {
    const r = await runCli(['migrate'], { ...good(), MYSQL_URL: `mysql://root:${SECRET}%zz@127.0.0.1:3306/tempstream` });
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr + r.stdout).not.toContain(SECRET);
  });

  // Such a URL used to pass the shape check and make `createKnex` throw "URI malformed" (exit 1, no
  // setting named); cli/config.ts now decodes it while validating.
  it('a MYSQL_URL whose password is malformed percent-encoding → exit 2 naming MYSQL_URL', async () => {
    const r = await runCli(['migrate'], { ...good(), MYSQL_URL: `mysql://root:${SECRET}%zz@127.0.0.1:3306/tempstream` });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/MYSQL_URL/);
  });
});
