import { describe, expect, it } from 'vitest';
import { runCliForTest } from './testing.js';

describe('tempstream command line', () => {
  it('prints help with exit 0', async () => {
    const run = await runCliForTest(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: tempstream');
    for (const command of ['start', 'schemas', 'migrate', 'replay', 'simulate', 'alerts', 'describe', 'demo', 'serve', 'dlq'])
      expect(run.stdout).toContain(command);
  });

  it.each(['start', 'schemas', 'migrate', 'replay', 'simulate', 'alerts', 'describe', 'demo', 'serve', 'dlq', 'dlq list', 'dlq show', 'dlq redrive'])(
    'has --help for %s',
    async (command) => {
      const run = await runCliForTest([...command.split(' '), '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: tempstream ${command}`);
    },
  );

  it('prints its version', async () => {
    const run = await runCliForTest(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 on an unknown command or option, with one message', async () => {
    for (const args of [['bogus'], ['describe', '--bogus'], []]) {
      const run = await runCliForTest(args);
      expect(run.code).toBe(2);
      expect(run.stderr).not.toBe('');
    }
  });

  it('exits 2 on bad configuration, naming the setting and never the password', async () => {
    const run = await runCliForTest(['migrate'], { MYSQL_URL: 'mysql://root:top-secret-pw@db-without-database' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('MYSQL_URL');
    expect(run.stderr).not.toContain('top-secret-pw');
    expect(run.stdout).toBe('');
  });

  it('names the flag when a flag carried the bad value', async () => {
    const run = await runCliForTest(['--mysql-url', 'mysql://u:flag-secret@h', 'migrate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('MYSQL_URL (--mysql-url)');
    expect(run.stderr).not.toContain('flag-secret');
  });

  it('exits 2 on bad replay positions before connecting anywhere', async () => {
    expect((await runCliForTest(['replay', '--from', 'yesterday'])).code).toBe(2);
    expect((await runCliForTest(['replay'])).code).toBe(2);
    const swapped = await runCliForTest(['replay', '--from', '2025-02-01', '--to', '2025-01-01']);
    expect(swapped.code).toBe(2);
    expect(swapped.stderr).toContain('--to');
    expect((await runCliForTest(['replay', '--from', 'earliest', '--topic', 'TempRangeAlert'])).code).toBe(2);
  });

  it('exits 2 on bad simulator settings', async () => {
    expect((await runCliForTest(['simulate', '--rate', '0'])).code).toBe(2);
    expect((await runCliForTest(['simulate', '--devices', '2.5'])).code).toBe(2);
    expect((await runCliForTest(['simulate', '--anomaly-rate', '60%', '--illegal-rate', '50%'])).code).toBe(2);
    expect((await runCliForTest(['alerts', '--webhook', 'ftp://x'])).code).toBe(2);
  });

  it('refuses a --webhook URL with credentials at start, naming the option and not the credentials', async () => {
    const run = await runCliForTest(['alerts', '--webhook', 'https://bob:hunter2@hooks.example/x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--webhook');
    expect(run.stderr).toContain('credentials');
    expect(run.stderr).not.toMatch(/bob|hunter2/);
  });

  it('refuses an unknown --notify mode at start, naming the modes', async () => {
    const run = await runCliForTest(['alerts', '--notify', 'always']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--notify: expected episodes or per-reading');
  });

  it('describes the topology without connecting', async () => {
    const run = await runCliForTest(['describe'], { MAX_TEMP: '99' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('temperature-readings');
    expect(run.stdout).toContain('TempRangeAlert');
    expect(run.stdout).toContain('MAX_TEMP 99°F');
    const mermaid = await runCliForTest(['describe', '--mermaid', '--json-input']);
    expect(mermaid.stdout.startsWith('flowchart LR')).toBe(true);
    expect(mermaid.stdout).toContain('temperature-readings-json');
  });

  it('serve refuses a bind beyond localhost without API_TOKEN, naming it, before connecting anywhere', async () => {
    const run = await runCliForTest(['serve', '--host', '0.0.0.0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/API_TOKEN/);
  });

  it('dlq reports a bad filter under its flag, and redrive wants a choice', async () => {
    const bad = await runCliForTest(['dlq', 'list', '--from', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from: expected an ISO-8601 time/);
    const none = await runCliForTest(['dlq', 'redrive']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/nothing chosen/);
    const position = await runCliForTest(['dlq', 'show', 'some-topic/0/1']);
    expect(position.code).toBe(2);
    expect(position.stderr).toMatch(/expected <dlq topic>\/<partition>\/<offset>/);
  });
});
