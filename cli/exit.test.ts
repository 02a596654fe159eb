import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.js';
import { during, ExitError, failureOf, UsageError } from './exit.js';

describe('failureOf', () => {
  it('maps each kind of failure to its exit code', () => {
    expect(failureOf(new ConfigError(['LOG_LEVEL: bad'])).exitCode).toBe(2);
    expect(failureOf(new UsageError('--to before --from'))).toEqual({ exitCode: 2, message: '--to before --from' });
    expect(failureOf(new CommanderError(1, 'commander.unknownOption', 'x'))).toEqual({ exitCode: 2, message: '' });
    expect(failureOf(new CommanderError(0, 'commander.helpDisplayed', 'x')).exitCode).toBe(0);
    expect(failureOf(new ExitError('stopped', 1))).toEqual({ exitCode: 1, message: 'stopped' });
    expect(failureOf(new Error('ECONNREFUSED'))).toEqual({ exitCode: 1, message: 'ECONNREFUSED' });
  });

  it('masks passwords a driver quoted', () => {
    expect(failureOf(new Error('cannot reach mysql://root:pw@db/x')).message).toBe('cannot reach mysql://root:***@db/x');
  });
});

describe('during', () => {
  it('says what was being done when a step fails, without passwords', async () => {
    await expect(during('migrating MySQL', () => Promise.reject(new Error('mysql://u:secret@h refused')))).rejects.toThrow(
      new ExitError('migrating MySQL: mysql://u:***@h refused'),
    );
  });

  it('lets usage and configuration errors through as they are', async () => {
    await expect(during('x', () => Promise.reject(new UsageError('bad flag')))).rejects.toBeInstanceOf(UsageError);
    await expect(during('x', () => Promise.reject(new ConfigError(['A: b'])))).rejects.toBeInstanceOf(ConfigError);
    expect(await during('x', () => Promise.resolve(7))).toBe(7);
  });
});
