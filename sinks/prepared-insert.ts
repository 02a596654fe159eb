import type { Knex } from 'knex';
import { insertedOrFail, resultHeaderOf, type InsertCount } from './insert-ignore.js';
import { insertIgnore, type SqlValue } from './sql.js';

/** The largest prepared statement: 512 rows of 8 columns, 4,096 placeholders (MySQL allows 65,535). */
export const MAX_ROWS_PER_PREPARED = 512;

/**
 * Statement sizes for `count` rows: full statements of MAX_ROWS_PER_PREPARED, then the remainder in
 * powers of two (700 → 512, 128, 32, 16, 8, 4). Each connection then prepares at most ten distinct
 * statements per table, and reuses them for every batch, whatever the batch sizes.
 */
export function preparedSizes(count: number): number[] {
  const sizes: number[] = [];
  let left = count;
  while (left >= MAX_ROWS_PER_PREPARED) {
    sizes.push(MAX_ROWS_PER_PREPARED);
    left -= MAX_ROWS_PER_PREPARED;
  }
  for (let size = MAX_ROWS_PER_PREPARED / 2; size >= 1; size /= 2) if (left & size) sizes.push(size);
  return sizes;
}

/** The part of a mysql2 callback connection this needs: `execute` prepares once per SQL text and connection, then binds. */
interface ExecutingConnection {
  execute(sql: string, values: SqlValue[], callback: (error: Error | null, result: unknown) => void): void;
}

/** The transaction's own connection: knex's transaction client hands out that one and no other. */
async function connectionOf(trx: Knex.Transaction): Promise<ExecutingConnection> {
  const client = (trx as unknown as { client?: { acquireConnection?: () => Promise<unknown> } }).client;
  const connection: unknown = await client?.acquireConnection?.();
  if (typeof (connection as Partial<ExecutingConnection> | undefined)?.execute !== 'function')
    throw new Error('prepared inserts need a knex transaction on the mysql2 client');
  return connection as ExecutingConnection;
}

/**
 * Inserts rows with prepared multi-row INSERT IGNOREs inside the caller's transaction: values travel
 * in the binary protocol, and the server parses each statement size once per connection. Same
 * counting and the same refusal of warnings beyond skipped duplicates as insertIgnoreCounting.
 */
export async function preparedInsertIgnoreCounting<C extends string>(
  trx: Knex.Transaction,
  table: string,
  columns: readonly C[],
  rows: readonly Readonly<Record<C, SqlValue>>[],
): Promise<InsertCount> {
  const connection = await connectionOf(trx);
  let inserted = 0;
  let from = 0;
  for (const size of preparedSizes(rows.length)) {
    const statement = insertIgnore(table, columns, rows.slice(from, from + size));
    from += size;
    const result = await new Promise<unknown>((resolve, reject) =>
      connection.execute(statement.sql, [...statement.bindings], (error, answer) => (error ? reject(error) : resolve(answer))),
    );
    inserted += await insertedOrFail(trx, table, size, resultHeaderOf(result));
  }
  return { inserted, alreadyPresent: rows.length - inserted };
}
