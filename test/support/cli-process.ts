/**
 * The real `tempstream` command as a child process (`node --import tsx cli/main.ts …`), the way an
 * operator runs it: its environment, its exit code, its stdout and stderr. Every process started
 * here is remembered so a test's afterEach/afterAll can kill whatever is still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { StackSettings } from '../../stack/harness.js';
import { within } from './wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running `tempstream` process. */
export class CliProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<CliResult>;

  constructor(
    readonly args: readonly string[],
    private readonly child: ChildProcess,
  ) {
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (this.stdout += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  /** Waits for the exit; on timeout the message carries the tail of its output. */
  async wait(timeoutMs: number): Promise<CliResult> {
    try {
      return await within(this.exited, timeoutMs, `tempstream ${this.args.join(' ')} exited`);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- stderr (tail) ---\n${this.stderr.slice(-3000)}\n--- stdout (tail) ---\n${this.stdout.slice(-2000)}`);
    }
  }

  /** SIGKILL if still running: for cleanup only. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await within(this.exited, 10_000, `tempstream ${this.args.join(' ')} was killed`).catch(() => undefined);
  }
}

const started = new Set<CliProcess>();

/**
 * The tests' readings carry fixed dates (2026 to 2031) while Kafka stamps them with today: the widest
 * window (10 years each way) keeps them plausible and still refuses January 1970 (epoch seconds).
 */
export const WIDE_READING_WINDOW = { READING_MAX_AGE_MS: String(3650 * 86_400_000), READING_MAX_FUTURE_MS: String(3650 * 86_400_000) } as const;

/** Starts `tempstream <args>` with exactly `env` on top of PATH/HOME (nothing else leaks in from the test's environment). */
export function spawnCli(args: readonly string[], env: Readonly<Record<string, string>>): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', ...WIDE_READING_WINDOW, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = new CliProcess(args, child);
  started.add(proc);
  void proc.exited.then(() => started.delete(proc));
  return proc;
}

/** Runs `tempstream <args>` to its end. */
export function runCli(args: readonly string[], env: Readonly<Record<string, string>>, timeoutMs = 60_000): Promise<CliResult> {
  return spawnCli(args, env).wait(timeoutMs);
}

/** Kills every CLI process this module started that is still running. */
export async function killAllCli(): Promise<void> {
  await Promise.all([...started].map((p) => p.kill()));
}

/** The environment pointing the CLI at the test stack, one database and one consumer group. */
export function cliEnv(
  stack: StackSettings,
  options: { mysqlUrl: string; groupId: string; metricsPort?: number; extra?: Record<string, string> },
): Record<string, string> {
  return {
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    MYSQL_URL: options.mysqlUrl,
    KAFKA_GROUP_ID: options.groupId,
    KAFKA_CLIENT_ID: `cli-test-${options.groupId}`,
    METRICS_PORT: String(options.metricsPort ?? 0),
    ALERTS_METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    ...options.extra,
  };
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Sums every sample of one Prometheus metric (all label sets) in an exposition text; undefined when absent. */
export function metricTotal(exposition: string, name: string): number | undefined {
  let total: number | undefined;
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m?.[1] === name) total = (total ?? 0) + Number(m[3]);
  }
  return total;
}

/** GET from an ops endpoint of a CLI process on this host. */
export async function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.text() };
}
