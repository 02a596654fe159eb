import { describe, expect, it } from 'vitest';
import type { TemperatureReading } from '../schemas/index.js';
import { SinkError, type StreamRecord } from '../topology/index.js';
import { MAX_ROWS_PER_STATEMENT } from './insert-ignore.js';
import { MysqlReadingsSink } from './mysql-readings-sink.js';
import { fakeKnex, insertResult, type RawCall } from './testing/fake-knex.js';
import type { Readable } from 'node:stream';

const NOW = Date.UTC(2026, 0, 1);
const record = (deviceId: string, temperature = 70, readingTime = NOW): StreamRecord<string | null, TemperatureReading> => ({
  key: deviceId,
  value: { deviceId, readingTime, temperature, unit: 'FAHRENHEIT' },
  headers: {},
  timestamp: 0,
  source: { topic: 'temperature-readings', partition: 0, offset: '7' },
});

describe('MysqlReadingsSink on the inline path', () => {
  it('writes a batch as one multi-row INSERT IGNORE in one transaction and counts rows already present', async () => {
    // 3 rows, 2 new, 1 duplicate warning; the skipped row has the values of the stored one.
    const stored = [{ device_id: 'a', reading_time: '2026-01-01 00:00:00.000', temperature: 70, unit: 'FAHRENHEIT' }];
    const db = fakeKnex((sql) => (sql.startsWith('INSERT') ? insertResult(2, 1) : [stored, []]));
    const sink = new MysqlReadingsSink(db.knex, { now: () => NOW, sqlPath: 'inline' });
    const outcome = await sink.write([record('a'), record('b'), record('a')]);
    expect(outcome.rejected?.size).toBe(0);
    // A skipped row is compared with the stored one, in the same transaction.
    expect(db.calls.map((c) => [c.sql.split(' ')[0], c.inTransaction])).toEqual([
      ['INSERT', true],
      ['SELECT', true],
    ]);
    // Values arrive inlined by mysql2's escaping (one formatting pass instead of knex's plus mysql2's).
    const row = (id: string) => `('${id}', '2026-01-01 00:00:00.000', 70, 'FAHRENHEIT', '2026-01-01 00:00:00.000', 'temperature-readings', 0, '7')`;
    expect(db.calls[0]!.sql).toBe(
      'INSERT IGNORE INTO `temperature` (`device_id`, `reading_time`, `temperature`, `unit`, `received_at`, `source_topic`, `source_partition`, `source_offset`) ' +
        `VALUES ${row('a')}, ${row('b')}, ${row('a')}`,
    );
    expect(db.calls[0]!.bindings).toEqual([]);
    expect(db.outcomes).toEqual(['commit']);
    expect(sink.counters).toEqual({ stored: 2, alreadyPresent: 1, conflicting: 0, rejected: 0, batches: 1 });
  });

  it('refuses a reading the table cannot hold on its own and writes the rest', async () => {
    const db = fakeKnex(() => insertResult(1));
    const sink = new MysqlReadingsSink(db.knex, { now: () => NOW, sqlPath: 'inline' });
    const outcome = await sink.write([record('x'.repeat(65)), record('ok')]);
    expect([...(outcome.rejected?.keys() ?? [])]).toEqual([0]);
    expect(outcome.rejected?.get(0)).toBeInstanceOf(SinkError);
    expect(db.calls[0]!.sql).toContain("VALUES ('ok', ");
    expect(db.calls[0]!.sql).not.toContain('xxx');
    expect(sink.counters).toMatchObject({ stored: 1, rejected: 1 });
  });

  it('does not touch the database when every reading is refused', async () => {
    const db = fakeKnex(() => insertResult(0));
    const sink = new MysqlReadingsSink(db.knex, { sqlPath: 'inline' });
    await sink.write([record('nan', Number.NaN)]);
    expect(db.calls).toEqual([]);
  });

  it('rolls back and fails permanently when MySQL would change a value (warnings beyond duplicates)', async () => {
    const db = fakeKnex((sql) =>
      sql === 'SHOW WARNINGS' ? [[{ Level: 'Warning', Code: 1265, Message: "Data truncated for column 'source_topic' at row 1" }]] : insertResult(1, 1),
    );
    const sink = new MysqlReadingsSink(db.knex, { sqlPath: 'inline' });
    const failing = sink.write([record('a')]);
    await expect(failing).rejects.toThrow("Data truncated for column 'source_topic'");
    await expect(failing).rejects.toSatisfy((e) => e instanceof SinkError && !e.transient && !sink.isTransient(e));
    expect(db.outcomes).toEqual(['rollback']);
    expect(sink.counters).toEqual({ stored: 0, alreadyPresent: 0, conflicting: 0, rejected: 0, batches: 0 });
  });

  it('counts nothing for a batch whose transaction failed, so its retry does not count twice', async () => {
    let attempt = 0;
    const db = fakeKnex(() => {
      if (attempt++ === 0) throw Object.assign(new Error('Deadlock found'), { code: 'ER_LOCK_DEADLOCK' });
      return insertResult(1);
    });
    const sink = new MysqlReadingsSink(db.knex, { sqlPath: 'inline' });
    const first = sink.write([record('a')]);
    await expect(first).rejects.toSatisfy((e) => sink.isTransient(e));
    await sink.write([record('a')]);
    expect(sink.counters).toMatchObject({ stored: 1, batches: 1 });
  });

  it('splits a large batch into statements within one transaction', async () => {
    const rowsIn = (sql: string) => sql.split("'temperature-readings'").length - 1;
    const db = fakeKnex((sql) => insertResult(rowsIn(sql)));
    const sink = new MysqlReadingsSink(db.knex, { sqlPath: 'inline' });
    const batch = Array.from({ length: MAX_ROWS_PER_STATEMENT + 1 }, (_, i) => record(`d${i}`));
    await sink.write(batch);
    expect(db.calls.map((c) => rowsIn(c.sql))).toEqual([MAX_ROWS_PER_STATEMENT, 1]);
    expect(db.outcomes).toEqual(['commit']);
    expect(sink.counters.stored).toBe(MAX_ROWS_PER_STATEMENT + 1);
  });

  it('sizes a record for the byte trigger', () => {
    const sink = new MysqlReadingsSink(fakeKnex(() => undefined).knex);
    expect(sink.sizeOf(record('abc'))).toBeGreaterThan(96);
  });
});

/** The rows a LOAD DATA statement streamed, as the server would read them. */
async function streamed(call: RawCall): Promise<string> {
  const factory = call.options?.infileStreamFactory as ((name: string) => Readable) | undefined;
  if (!factory) throw new Error(`no stream offered with ${call.sql}`);
  const chunks: Buffer[] = [];
  for await (const chunk of factory('rows.tsv')) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('MysqlReadingsSink on the load-data path (the default)', () => {
  const refused = () => Object.assign(new Error('The used command is not allowed with this MariaDB version'), { code: 'ER_NOT_ALLOWED_COMMAND', errno: 1148 });

  it('streams the batch to LOAD DATA … IGNORE in one transaction and counts rows already present', async () => {
    const texts: string[] = [];
    const stored = [{ device_id: 'a\tb', reading_time: '2026-01-01 00:00:00.000', temperature: 70, unit: 'FAHRENHEIT' }];
    const db = fakeKnex(async (sql, _bindings, call) => {
      if (!sql.startsWith('LOAD DATA')) return [stored, []];
      texts.push(await streamed(call));
      return insertResult(1, 1);
    });
    const sink = new MysqlReadingsSink(db.knex, { now: () => NOW });
    expect(sink.sqlPath).toBe('load-data');
    const outcome = await sink.write([record('a\tb'), record('a\tb'), record('x'.repeat(65))]);
    expect([...(outcome.rejected?.keys() ?? [])]).toEqual([2]);
    expect(db.calls.map((c) => [c.sql.split(' ').slice(0, 2).join(' '), c.inTransaction])).toEqual([
      ['LOAD DATA', true],
      ['SELECT device_id,', true],
    ]);
    // The tab inside the id is escaped: it stays one field.
    const line = 'a\\tb\t2026-01-01 00:00:00.000\t70\tFAHRENHEIT\t2026-01-01 00:00:00.000\ttemperature-readings\t0\t7\n';
    expect(texts).toEqual([line + line]);
    expect(db.outcomes).toEqual(['commit']);
    expect(sink.counters).toEqual({ stored: 1, alreadyPresent: 1, conflicting: 0, rejected: 1, batches: 1 });
  });

  it('rolls back and fails permanently when LOAD DATA warns of anything but duplicates', async () => {
    const db = fakeKnex((sql) =>
      sql === 'SHOW WARNINGS' ? [[{ Level: 'Warning', Code: 1265, Message: "Data truncated for column 'source_topic' at row 1" }]] : insertResult(1, 1),
    );
    const sink = new MysqlReadingsSink(db.knex);
    const failing = sink.write([record('a')]);
    await expect(failing).rejects.toSatisfy((e) => e instanceof SinkError && !e.transient && /Data truncated/.test(e.message));
    expect(db.outcomes).toEqual(['rollback']);
    expect(sink.sqlPath, 'a data error is no reason to change paths').toBe('load-data');
  });

  it('falls back to inline INSERTs, in a new transaction, when the server refuses LOCAL INFILE', async () => {
    const db = fakeKnex((sql) => {
      if (sql.startsWith('LOAD DATA')) throw refused();
      return insertResult(sql.split("'temperature-readings'").length - 1);
    });
    const sink = new MysqlReadingsSink(db.knex);
    const outcome = await sink.write([record('a'), record('b')]);
    expect(outcome.rejected?.size).toBe(0);
    expect(db.calls.map((c) => c.sql.split(' ')[0])).toEqual(['LOAD', 'INSERT']);
    expect(db.outcomes).toEqual(['rollback', 'commit']);
    expect(sink.sqlPath).toBe('inline');
    expect(sink.counters).toMatchObject({ stored: 2, batches: 1 });
    await sink.write([record('c')]);
    expect(db.calls.map((c) => c.sql.split(' ')[0])).toEqual(['LOAD', 'INSERT', 'INSERT']);
  });

  it('keeps its path when asked for inline and the server refuses something else', async () => {
    const db = fakeKnex(() => {
      throw Object.assign(new Error('Deadlock found'), { code: 'ER_LOCK_DEADLOCK', errno: 1213 });
    });
    const sink = new MysqlReadingsSink(db.knex);
    await expect(sink.write([record('a')])).rejects.toSatisfy((e) => sink.isTransient(e));
    expect(sink.sqlPath).toBe('load-data');
    expect(db.calls).toHaveLength(1);
  });
});
