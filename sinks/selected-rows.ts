/** The rows of a raw SELECT: mysql2 answers `knex.raw` with `[rows, fields]`. */
export function selectedRows(result: unknown): Record<string, unknown>[] {
  const rows: unknown = Array.isArray(result) ? result[0] : undefined;
  if (!Array.isArray(rows)) throw new Error('unexpected result from the MySQL driver: expected rows');
  return rows as Record<string, unknown>[];
}
