/** The MySQL connection pool and its schema migrations. */
import type { Knex } from 'knex';
import { createKnex, migrate } from '../../sinks/index.js';
import type { AppConfig } from '../config.js';
import { during } from '../exit.js';
import type { Logger } from '../logger.js';
import { mysqlAt } from './where.js';

export function openDatabase(config: AppConfig, logger?: Logger): Knex {
  return createKnex(config.mysql.url, {
    logger,
    // Without MYSQL_SSL the URL's own ?ssl=true still applies, so pass nothing rather than "off".
    ssl: config.mysql.ssl === false ? undefined : { ca: config.mysql.ssl.ca },
    // A connection per concurrent sink write, one for the migration lock, and room for the rest.
    pool: { max: Math.max(10, config.sink.concurrency + 4) },
  });
}

/** Brings the schema up to date; returns the names of the migrations that ran now. */
export async function migrateDatabase(knex: Knex, logger: Logger): Promise<string[]> {
  const applied = await migrate(knex);
  if (applied.length > 0) logger.info({ applied }, 'database migrated');
  else logger.debug({}, 'database schema up to date');
  return applied;
}

/** Closes the pool; a failure to close is not worth failing a command for. */
export async function closeDatabase(knex: Knex, logger: Logger): Promise<void> {
  await knex.destroy().catch((err: unknown) => logger.warn({ err: String(err) }, 'closing the MySQL pool failed'));
}

/** Opens the pool and migrates (a failure names the database), runs `work`, and closes the pool whatever happens. */
export async function withMigratedDatabase<T>(config: AppConfig, logger: Logger, work: (knex: Knex, applied: string[]) => Promise<T>): Promise<T> {
  const knex = openDatabase(config, logger);
  try {
    const applied = await during(`migrating ${mysqlAt(config)}`, () => migrateDatabase(knex, logger));
    return await work(knex, applied);
  } finally {
    await closeDatabase(knex, logger);
  }
}
