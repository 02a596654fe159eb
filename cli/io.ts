/** Where a command reads its environment and writes its output; tests pass their own. */
export interface CliIO {
  readonly env: NodeJS.ProcessEnv;
  /** The command's result: tables, summaries, diagrams. */
  out(text: string): void;
  /** Errors and progress meant for a person, never for a pipe. */
  err(text: string): void;
  /** Whether stderr is a terminal (progress bars, in-place lines). */
  readonly interactive: boolean;
}

export function processIO(): CliIO {
  return {
    env: process.env,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    interactive: Boolean(process.stderr.isTTY) && !process.env.CI,
  };
}
