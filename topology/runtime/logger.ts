/** The logging the runtime needs; pino's logger fits it as it is. */
export type LogFn = (fields: object, message: string) => void;

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const quiet: LogFn = () => undefined;
export const silentLogger: Logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };
