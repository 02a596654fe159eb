/** What every command starts from: the validated configuration, a logger, and its IO. */
import type { Command } from 'commander';
import type { LevelWithSilent } from 'pino';
import type { AppConfig, RawConfig } from './config.js';
import { loadCliConfig } from './global-flags.js';
import type { CliIO } from './io.js';
import { createLogger, type Logger } from './logger.js';

export interface CliDeps {
  readonly io: CliIO;
  readonly makeLogger: (level: LevelWithSilent) => Logger;
}

export interface CommandContext {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly io: CliIO;
}

export const defaultDeps = (io: CliIO): CliDeps => ({ io, makeLogger: (level) => createLogger(level, { fd: 2 }) });

/** Reads the configuration (throwing ConfigError, exit 2) with the command's global flags on top. */
export function contextFor(command: Command, deps: CliDeps, extra: Partial<Record<keyof RawConfig, string>> = {}): CommandContext {
  const config = loadCliConfig(deps.io.env, command.optsWithGlobals(), extra);
  return { config, logger: deps.makeLogger(config.logLevel), io: deps.io };
}
