import type { Knex } from 'knex';
import { afterEach, describe, expect, it } from 'vitest';
import { createKnex } from './knex.js';

let made: Knex | undefined;
afterEach(async () => {
  await made?.destroy();
  made = undefined;
});

/** The mysql2 connection settings knex was given (no connection is opened). */
const connectionOf = (knex: Knex) => (knex.client as { config: { connection: Record<string, unknown> } }).config.connection;

describe('createKnex', () => {
  it('reads host, port, user, password and database from the URL, decoding escapes', () => {
    made = createKnex('mysql://app%40x:p%3Ass@db.internal:3307/tempstream');
    expect(connectionOf(made)).toMatchObject({
      host: 'db.internal',
      port: 3307,
      user: 'app@x',
      password: 'p:ss',
      database: 'tempstream',
      timezone: 'Z',
      dateStrings: true,
      ssl: undefined,
    });
  });

  it('turns TLS on from the option or from ?ssl=true', () => {
    made = createKnex('mysql://u:p@h/db', { ssl: { rejectUnauthorized: false } });
    expect(connectionOf(made).ssl).toEqual({ rejectUnauthorized: false });
    void made.destroy();
    made = createKnex('mysql://u:p@h/db?ssl=true');
    expect(connectionOf(made).ssl).toEqual({});
  });

  it("sends knex's own warnings to the logger it is given, not to the console", async () => {
    const warnings: string[] = [];
    const quiet = () => undefined;
    const logger = {
      debug: quiet,
      info: quiet,
      warn: (_f: object, m: string) => void warnings.push(m),
      error: (_f: object, m: string) => void warnings.push(m),
    };
    // Port 1 on localhost refuses at once: knex warns about the failed connection, then the query fails.
    made = createKnex('mysql://u:p@127.0.0.1:1/db', { logger, acquireTimeoutMs: 2_000 });
    await expect(made.raw('SELECT 1')).rejects.toThrow();
    expect(warnings.join('\n')).toMatch(/ECONNREFUSED/);
  });

  it('refuses URLs it cannot use', () => {
    expect(() => createKnex('postgres://u:p@h/db')).toThrow(/expected a mysql:\/\/ URL/);
    expect(() => createKnex('mysql://u:p@h:3306')).toThrow(/names no database/);
  });
});
