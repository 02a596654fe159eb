/** JSON logs with pino (pretty on a terminal); secrets are redacted by path wherever they appear. */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'sasl.password',
  'auth.password',
  'mysqlUrl',
  '*.mysqlUrl',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'token',
  '*.token',
];

export interface LoggerOptions {
  readonly pretty?: boolean;
  readonly destination?: NodeJS.WritableStream;
  /**
   * File descriptor to write to when no destination is given: 1 (stdout, the default) or 2. The CLI
   * logs to stderr so that a command's own output on stdout (tables, diagrams) can be piped.
   */
  readonly fd?: 1 | 2;
}

export function createLogger(level: LevelWithSilent, options: LoggerOptions = {}): Logger {
  const fd = options.fd ?? 1;
  const terminal = fd === 2 ? process.stderr.isTTY : process.stdout.isTTY;
  const pretty = options.pretty ?? (terminal && !process.env.CI);
  const base = { level, redact: { paths: REDACT_PATHS, censor: '***' }, base: { pid: process.pid } };
  if (options.destination) return pino(base, options.destination as unknown as pino.DestinationStream);
  if (pretty)
    return pino({ ...base, transport: { target: 'pino-pretty', options: { destination: fd, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  return pino(base, pino.destination({ dest: fd, sync: true }));
}

export type { Logger };
