import knexFactory, { type Knex } from 'knex';
import { errorMessage, type Logger } from '../topology/index.js';

export interface CreateKnexOptions {
  /** TLS: `true` verifies the server against the system CAs; an object is passed to mysql2 as it is. */
  readonly ssl?: boolean | { readonly ca?: string; readonly rejectUnauthorized?: boolean };
  readonly pool?: { readonly min?: number; readonly max?: number };
  /** How long a query may wait for a pooled connection (then KnexTimeoutError, retried as transient). */
  readonly acquireTimeoutMs?: number;
  /** Where knex's own warnings go (a lost connection, a pool error); knex prints them to the console otherwise. */
  readonly logger?: Logger;
}

/**
 * The sql_mode of every pooled connection, whatever the server's global mode: MySQL 8's default
 * (strict, no zero dates). The sinks inline values escaped with backslashes (insert-ignore.ts), and
 * mysql2 formats bindings the same way; a server running NO_BACKSLASH_ESCAPES would read `\'` in a
 * device id as the end of the string. Pinning the mode rules that out, and ANSI_QUOTES or
 * PAD_CHAR_TO_FULL_LENGTH, which would change what the statements mean, with it.
 */
export const SESSION_SQL_MODE = 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';

/** The part of a mysql2 callback connection the pool hook uses. */
interface PooledConnection {
  query(sql: string, callback: (error: Error | null) => void): void;
}

/**
 * A knex instance on mysql2 from `mysql://user:password@host:3306/database`. `?ssl=true` in the URL
 * turns TLS on too. Dates: DATETIME values come back as UTC text (`dateStrings`), the form the sinks
 * write, so no time zone is applied on either side.
 */
export function createKnex(mysqlUrl: string, options: CreateKnexOptions = {}): Knex {
  const url = new URL(mysqlUrl);
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') throw new Error(`expected a mysql:// URL, got ${url.protocol}//`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new Error('the MySQL URL names no database (mysql://user:password@host:3306/database)');
  const sslWanted = options.ssl ?? url.searchParams.get('ssl') === 'true';
  return knexFactory({
    client: 'mysql2',
    connection: {
      host: url.hostname,
      port: url.port ? Number(url.port) : 3306,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database,
      charset: 'utf8mb4',
      timezone: 'Z',
      dateStrings: true,
      // BIGINT offsets and ids stay exact.
      supportBigNumbers: true,
      bigNumberStrings: true,
      ssl: sslWanted === false ? undefined : sslWanted === true ? {} : { ...sslWanted },
    },
    pool: {
      min: options.pool?.min ?? 0,
      max: options.pool?.max ?? 10,
      // Before the connection serves any query; a failure discards it and fails the acquire.
      afterCreate: (connection: PooledConnection, done: (error: Error | null, connection: PooledConnection) => void) => {
        connection.query(`SET SESSION sql_mode = '${SESSION_SQL_MODE}'`, (error) => done(error, connection));
      },
    },
    acquireConnectionTimeout: options.acquireTimeoutMs ?? 10_000,
    log: options.logger ? knexLog(options.logger) : undefined,
  });
}

/** knex's logger hooks onto ours; its messages are strings or errors. */
function knexLog(logger: Logger): Knex.Config['log'] {
  const text = (message: unknown): string => errorMessage(message);
  return {
    warn: (message: unknown) => logger.warn({ component: 'knex' }, text(message)),
    error: (message: unknown) => logger.error({ component: 'knex' }, text(message)),
    deprecate: (method: string, alternative: string) => logger.warn({ component: 'knex' }, `${method} is deprecated, use ${alternative}`),
    debug: (message: unknown) => logger.debug({ component: 'knex' }, text(message)),
  };
}
