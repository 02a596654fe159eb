import type { Knex } from 'knex';
import mysql from 'mysql2';
import { SinkError } from '../topology/index.js';
import { chunk, insertIgnore, type SqlValue } from './sql.js';

/** Rows per statement: 500 rows of ~15 columns stay far below 65,535 placeholders and the packet limit. */
export const MAX_ROWS_PER_STATEMENT = 500;

/** MySQL's warning for a duplicate key that IGNORE skipped. */
const DUPLICATE_ENTRY = 1062;

export interface InsertCount {
  readonly inserted: number;
  readonly alreadyPresent: number;
}

export interface ResultHeader {
  readonly affectedRows: number;
  readonly warningStatus: number;
}

/**
 * Inserts rows with INSERT IGNORE inside the caller's transaction and counts the rows that were
 * there already. IGNORE would also turn a truncated or out-of-range value into a warning and store a
 * mangled row: warnings beyond the skipped duplicates fail the statement (permanently), so the
 * transaction rolls back and the batching sink isolates the record at fault.
 */
export async function insertIgnoreCounting<C extends string>(
  trx: Knex.Transaction,
  table: string,
  columns: readonly C[],
  rows: readonly Readonly<Record<C, SqlValue>>[],
): Promise<InsertCount> {
  let inserted = 0;
  for (const part of chunk(rows, MAX_ROWS_PER_STATEMENT)) {
    const statement = insertIgnore(table, columns, part);
    // Inlined by the driver's own escaping, once: with bindings, knex rewrites every placeholder and
    // mysql2 then formats them again: two passes over 4,000 values per statement, a few percent of
    // the topology's CPU in the benchmark's profile (docs/benchmarks.md).
    const header = resultHeaderOf(await trx.raw(mysql.format(statement.sql, [...statement.bindings])));
    inserted += await insertedOrFail(trx, table, part.length, header);
  }
  return { inserted, alreadyPresent: rows.length - inserted };
}

/**
 * The rows a statement of `rowCount` rows inserted, once its warnings are known to be only the
 * duplicates IGNORE skipped. Any other warning (a truncated or out-of-range value, which IGNORE and
 * LOAD DATA LOCAL store mangled) fails the statement permanently, so the transaction rolls back and
 * the batching sink isolates the record at fault. Shared by every way of sending rows.
 */
export async function insertedOrFail(trx: Knex.Transaction, table: string, rowCount: number, header: ResultHeader): Promise<number> {
  const skipped = rowCount - header.affectedRows;
  if (header.warningStatus > skipped) {
    const warnings = await warningsOf(trx);
    throw new SinkError(`MySQL would have changed values while inserting into ${table}: ${warnings.join('; ') || `${header.warningStatus} warnings`}`, false);
  }
  return header.affectedRows;
}

/** mysql2 answers a raw INSERT with `[ResultSetHeader, undefined]`. */
export function resultHeaderOf(result: unknown): ResultHeader {
  const header: unknown = Array.isArray(result) ? result[0] : result;
  if (typeof header !== 'object' || header === null || typeof (header as ResultHeader).affectedRows !== 'number') {
    throw new Error('unexpected result from the MySQL driver: expected a ResultSetHeader (is the knex client mysql2?)');
  }
  const { affectedRows, warningStatus } = header as Partial<ResultHeader>;
  return { affectedRows: affectedRows ?? 0, warningStatus: typeof warningStatus === 'number' ? warningStatus : 0 };
}

async function warningsOf(trx: Knex.Transaction): Promise<string[]> {
  const result: unknown = await trx.raw('SHOW WARNINGS');
  const rows: unknown = Array.isArray(result) ? result[0] : [];
  if (!Array.isArray(rows)) return [];
  return rows
    .filter((w: { Code?: unknown }) => w.Code !== DUPLICATE_ENTRY)
    .map((w: { Code?: unknown; Message?: unknown }) => `${String(w.Code)} ${String(w.Message)}`);
}
