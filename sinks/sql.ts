/** Builds the few statements the sinks need. Pure: unit-tested without a database. */

export interface Statement {
  readonly sql: string;
  readonly bindings: readonly (string | number | null)[];
}

export type SqlValue = string | number | null;

export const quoteIdentifier = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

/**
 * `INSERT IGNORE INTO t (a, b) VALUES (?, ?), (?, ?)`. IGNORE skips rows whose unique key exists,
 * and `affectedRows` then counts only new rows whatever the client's FOUND_ROWS flag (an
 * `ON DUPLICATE KEY UPDATE id = id` would count found rows as affected under mysql2's defaults).
 * IGNORE also turns data errors into warnings: callers must check them (see insert-ignore.ts).
 */
export function insertIgnore<C extends string>(table: string, columns: readonly C[], rows: readonly Readonly<Record<C, SqlValue>>[]): Statement {
  return insertStatement('INSERT IGNORE', table, columns, rows, '');
}

/**
 * `INSERT INTO t (a, b) VALUES (?, ?) ON DUPLICATE KEY UPDATE <assignments>`: for rows that move an
 * existing row forward. Without IGNORE, strict mode fails a statement whose value the column cannot
 * hold rather than storing it changed. MySQL applies the assignments left to right, each seeing the
 * ones before: an assignment a condition of the others reads must come last.
 */
export function insertOnDuplicateKeyUpdate<C extends string>(
  table: string,
  columns: readonly C[],
  rows: readonly Readonly<Record<C, SqlValue>>[],
  assignments: string,
): Statement {
  return insertStatement('INSERT', table, columns, rows, ` ON DUPLICATE KEY UPDATE ${assignments}`);
}

function insertStatement<C extends string>(
  verb: string,
  table: string,
  columns: readonly C[],
  rows: readonly Readonly<Record<C, SqlValue>>[],
  tail: string,
): Statement {
  if (rows.length === 0) throw new Error('an INSERT needs at least one row');
  if (columns.length === 0) throw new Error('an INSERT needs at least one column');
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  // Plain loops: this runs for every stored row, and flatMap's per-row arrays showed in profiles.
  const bindings: SqlValue[] = new Array<SqlValue>(rows.length * columns.length);
  let i = 0;
  for (const row of rows) for (const column of columns) bindings[i++] = row[column];
  return {
    sql: `${verb} INTO ${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) VALUES ${new Array<string>(rows.length).fill(tuple).join(', ')}${tail}`,
    bindings,
  };
}

/** `(a, b) IN ((?, ?), (?, ?))`: a row-constructor match, which MySQL 8 and MariaDB serve from an index. */
export function tupleIn<C extends string>(columns: readonly C[], tuples: readonly Readonly<Record<C, SqlValue>>[]): Statement {
  if (tuples.length === 0) throw new Error('tupleIn needs at least one tuple');
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  return {
    sql: `(${columns.map(quoteIdentifier).join(', ')}) IN (${tuples.map(() => tuple).join(', ')})`,
    bindings: tuples.flatMap((t) => columns.map((c) => t[c])),
  };
}

/** Splits rows so that no statement grows past MySQL's placeholder and packet limits. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (size < 1) throw new Error('chunk size must be at least 1');
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
