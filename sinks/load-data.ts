import type { Knex } from 'knex';
import { Readable } from 'node:stream';
import { insertedOrFail, resultHeaderOf, type InsertCount } from './insert-ignore.js';
import { quoteIdentifier, type SqlValue } from './sql.js';

/**
 * Rows per LOAD DATA: the OK packet counts warnings in 16 bits, and the duplicate check needs an
 * exact count (insert-ignore.ts).
 */
export const MAX_ROWS_PER_LOAD = 10_000;

/** What a field must not hold unescaped: the field and line separators, the escape itself, NUL, CR. */
const NEEDS_ESCAPE = /[\\\t\n\r\0]/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

/**
 * One field as LOAD DATA reads it with `FIELDS TERMINATED BY '\t' ESCAPED BY '\\'`. Strings keep every
 * character (a lone `\N` would read as NULL: its backslash is escaped); numbers in JavaScript's
 * shortest round-trip form, which the server parses back to the same double.
 */
export function loadDataField(value: SqlValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`LOAD DATA cannot carry ${value}`);
    return String(value);
  }
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r\0]/g, (c) => ESCAPES[c]!) : value;
}

/** The rows as LOAD DATA's tab-separated text, one line each. */
export function loadDataText<C extends string>(columns: readonly C[], rows: readonly Readonly<Record<C, SqlValue>>[]): string {
  return loadDataBytes(columns, rows).toString('utf8');
}

const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;

/**
 * The same text as UTF-8 bytes, written field by field into one buffer: the driver sends bytes, so
 * no line or file-sized string is built on the way (this runs for every stored row). A string field
 * of plain ASCII (ids, times: nearly all) is copied byte by byte; one with a character to escape or
 * beyond ASCII goes through loadDataField and the encoder.
 */
export function loadDataBytes<C extends string>(columns: readonly C[], rows: readonly Readonly<Record<C, SqlValue>>[]): Buffer {
  let out: Buffer = Buffer.allocUnsafe(Math.max(1024, rows.length * 128));
  let at = 0;
  const last = columns.length - 1;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let c = 0; c <= last; c++) {
      const value = row[columns[c]!];
      const text = typeof value === 'string' ? value : loadDataField(value);
      // A UTF-16 unit takes at most 3 bytes in UTF-8, escaped at most 2 in ASCII; one more for the separator.
      if (at + text.length * 3 + 1 > out.length) out = grown(out, at, at + text.length * 3 + 1);
      const start = at;
      for (let i = 0; i < text.length; i++) {
        const unit = text.charCodeAt(i);
        if (unit >= 0x80 || unit < 0x20 || unit === BACKSLASH) {
          const field = typeof value === 'string' ? loadDataField(value) : text;
          if (start + field.length * 3 + 1 > out.length) out = grown(out, start, start + field.length * 3 + 1);
          at = start + out.write(field, start, 'utf8');
          break;
        }
        out[at++] = unit;
      }
      out[at++] = c === last ? NEWLINE : TAB;
    }
  }
  return out.subarray(0, at);
}

/** A buffer of at least `size` bytes holding the first `used` bytes of `out`. */
function grown(out: Buffer, used: number, size: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, size));
  out.copy(bigger, 0, 0, used);
  return bigger;
}

/** `LOAD DATA LOCAL INFILE … IGNORE INTO TABLE t CHARACTER SET utf8mb4 FIELDS … (a, b)`; the file name is a label, the client streams the rows. */
export const loadDataStatement = (table: string, columns: readonly string[]): string =>
  `LOAD DATA LOCAL INFILE 'rows.tsv' IGNORE INTO TABLE ${quoteIdentifier(table)} CHARACTER SET utf8mb4 ` +
  `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${columns.map(quoteIdentifier).join(', ')})`;

/**
 * Inserts rows with LOAD DATA LOCAL INFILE … IGNORE inside the caller's transaction: the rows travel
 * as data, not as SQL text the server must parse. Same counting and the same refusal of warnings
 * beyond skipped duplicates as insertIgnoreCounting. Needs `local_infile` on the server (MariaDB's
 * default; MySQL 8 ships it off) and mysql2's LOCAL_FILES flag (its default).
 */
export async function loadDataIgnoreCounting<C extends string>(
  trx: Knex.Transaction,
  table: string,
  columns: readonly C[],
  rows: readonly Readonly<Record<C, SqlValue>>[],
): Promise<InsertCount> {
  let inserted = 0;
  const sql = loadDataStatement(table, columns);
  for (let from = 0; from < rows.length; from += MAX_ROWS_PER_LOAD) {
    const part = rows.slice(from, from + MAX_ROWS_PER_LOAD);
    const bytes = loadDataBytes(columns, part);
    // mysql2 asks for the file's content when the server requests it; any other name is refused.
    const infileStreamFactory = (name: string): Readable => {
      if (name !== 'rows.tsv') throw new Error(`the server asked for a local file this sink did not offer: ${name}`);
      return Readable.from([bytes]);
    };
    const header = resultHeaderOf(await trx.raw(sql).options({ infileStreamFactory }));
    inserted += await insertedOrFail(trx, table, part.length, header);
  }
  return { inserted, alreadyPresent: rows.length - inserted };
}

/**
 * Server error numbers of a LOAD DATA LOCAL the server does not allow: ER_NOT_ALLOWED_COMMAND (MySQL 5.7,
 * older MariaDB), ER_CLIENT_LOCAL_FILES_DISABLED (MySQL 8), ER_LOAD_INFILE_CAPABILITY_DISABLED (MariaDB 10.5+).
 */
const LOCAL_INFILE_REFUSED = new Set([1148, 3948, 4166]);

/** The server (or its configuration) refuses LOAD DATA LOCAL: `local_infile` is off. */
export function isLocalInfileRefused(error: unknown): boolean {
  const errno = (error as { errno?: unknown } | null)?.errno;
  return typeof errno === 'number' && LOCAL_INFILE_REFUSED.has(errno);
}
