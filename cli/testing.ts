/** Test helpers: run the CLI in-process with captured output and a silent logger. */
import { pino } from 'pino';
import type { CliDeps } from './context.js';
import { runCli } from './program.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCliForTest(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const deps: CliDeps = {
    io: { env, out: (t) => void (stdout += t), err: (t) => void (stderr += t), interactive: false },
    makeLogger: () => pino({ level: 'silent' }),
  };
  const code = await runCli(['node', 'tempstream', ...args], deps);
  return { code, stdout, stderr };
}
