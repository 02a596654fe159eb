import type { Knex } from 'knex';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AlertWriter, noticeDevice, type Notifier } from '../../app/index.js';
import type { TemperatureReading, TempRangeAlert } from '../../schemas/index.js';
import {
  createKnex,
  MAX_DEVICE_ID_LENGTH,
  migrate,
  MIGRATIONS,
  MysqlAlertStore,
  MysqlReadingsSink,
  SQL_PATHS,
  toMysqlDatetime,
  type SqlPath,
} from '../../sinks/index.js';
import { MAX_ROWS_PER_STATEMENT } from '../../sinks/insert-ignore.js';
import { freePort } from '../../stack/harness.js';
import { SinkError, ValidationError, type StreamRecord } from '../../topology/index.js';
import { throughBatchingSink } from '../support/batching-sink-fates.js';
import { uniqueName } from '../support/names.js';
import { createTestDatabase, type TestDatabase } from '../support/pipeline-env.js';
import { waitUntil } from '../support/wait.js';

const T0 = Date.UTC(2026, 2, 1, 8, 0, 0);
let nextOffset = 0;

const reading = (
  deviceId: string,
  readingTime: number,
  temperature = 70,
  unit: TemperatureReading['unit'] = 'FAHRENHEIT',
  topic = 'temperature-readings',
): StreamRecord<string, TemperatureReading> => ({
  key: deviceId,
  value: { deviceId, readingTime, temperature, unit },
  headers: {},
  timestamp: readingTime,
  source: { topic, partition: 0, offset: String(nextOffset++) },
});

const alert = (deviceId: string, readingTime: number, direction: 'HIGH' | 'LOW', offset = nextOffset++): TempRangeAlert => ({
  reading: { deviceId, readingTime, temperature: direction === 'HIGH' ? 125.5 : 35, unit: 'FAHRENHEIT' },
  rule: 'temp-range',
  direction,
  temperatureFahrenheit: direction === 'HIGH' ? 125.5 : 35,
  bound: direction === 'HIGH' ? 120 : 40,
  minTemp: 40,
  maxTemp: 120,
  sourceTopic: 'temperature-readings',
  sourcePartition: 0,
  sourceOffset: String(offset),
});

const asRecord = (a: TempRangeAlert): StreamRecord<string, TempRangeAlert> => ({
  key: a.reading.deviceId,
  value: a,
  headers: {},
  timestamp: 0,
  source: { topic: 'TempRangeAlert', partition: 0, offset: a.sourceOffset },
});

describe('the MySQL sinks on the real server', () => {
  const stack = inject('stack');
  let db: TestDatabase;
  let knex: Knex;
  let root: mysql.Connection;

  beforeAll(async () => {
    db = await createTestDatabase(stack, uniqueName('sinks'));
    knex = createKnex(db.url, { pool: { max: 2 } });
    expect(await migrate(knex)).toEqual([
      '001-create-temperature',
      '002-create-temp-range-alert',
      '003-add-alert-notify-status',
      '004-create-dead-letter-redrive',
      '005-create-temp-alert-episode',
      '006-create-temperature-minute',
      '007-create-device-silence',
    ]);
    root = await mysql.createConnection({ ...stack.mysql, database: db.name });
  });

  afterAll(async () => {
    await knex?.destroy();
    await root?.end();
    await db?.drop();
  });

  const temperatureRows = async (deviceIds: readonly string[]) =>
    (await knex('temperature')
      .select('device_id', 'reading_time', 'temperature', 'unit', 'source_topic', 'source_partition', 'source_offset')
      .whereIn('device_id', deviceIds)
      .orderBy('id')) as {
      device_id: string;
      reading_time: string;
      temperature: number;
      unit: string;
      source_topic: string;
      source_partition: number;
      source_offset: string;
    }[];

  const countWhere = async (table: string, column: string, prefix: string): Promise<number> => {
    const [row] = await knex(table).where(column, 'like', `${prefix}%`).count<{ n: number | string }[]>({ n: '*' });
    return Number(row?.n);
  };

  /**
   * Holds a row lock another writer needs (an uncommitted insert of the same unique key), starts
   * `write`, waits until the server shows it blocked on `table`, and kills its connection.
   */
  async function killWhileBlocked(
    table: 'temperature' | 'temp_range_alert',
    lockingInsert: string,
    write: () => Promise<unknown>,
    statement = `INSERT IGNORE INTO \`${table}\`%`,
  ): Promise<unknown> {
    const locker = await mysql.createConnection({ ...stack.mysql, database: db.name });
    try {
      await locker.query('BEGIN');
      await locker.query(lockingInsert);
      const outcome = write().then(
        () => ({ error: undefined }),
        (error: unknown) => ({ error }),
      );
      let victim: number | undefined;
      await waitUntil(
        async () => {
          const [rows] = await root.query('SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE ?', [db.name, statement]);
          victim = (rows as { ID: number }[])[0]?.ID;
          return { done: victim !== undefined };
        },
        { what: `the sink's INSERT into ${table} waits for the row lock`, timeoutMs: 10_000 },
      );
      await root.query(`KILL CONNECTION ${victim!}`);
      const { error } = await outcome;
      expect(error, 'the write on the killed connection must fail').toBeDefined();
      return error;
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
  }

  describe('migrate', () => {
    it('lets processes that start together take turns: one migrates, the others find it done', async () => {
      const fresh = await createTestDatabase(stack, uniqueName('migrate_race'));
      const clients = [0, 1, 2].map(() => createKnex(fresh.url, { pool: { max: 2 } }));
      try {
        // Without the named lock the 2nd and 3rd fail with knex's "Migration table is already locked".
        const results = await Promise.all(clients.map((k) => migrate(k)));
        expect(results.map((r) => r.length).sort()).toEqual([0, 0, MIGRATIONS.length]);
        const [tables] = await root.query('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [fresh.name]);
        expect((tables as { t: string }[]).map((r) => r.t).sort()).toEqual([
          'dead_letter_redrive',
          'device_silence',
          'temp_alert_episode',
          'temp_range_alert',
          'temperature',
          'temperature_minute',
          'tempstream_migrations',
          'tempstream_migrations_lock',
        ]);
      } finally {
        await Promise.all(clients.map((k) => k.destroy()));
        await fresh.drop();
      }
    });
  });

  // Every way of sending rows keeps the same guarantees: the same tests, once per path.
  describe.each(SQL_PATHS)('MysqlReadingsSink, SQL path %s', (sqlPath: SqlPath) => {
    const newSink = (k: Knex = knex) => new MysqlReadingsSink(k, { sqlPath });
    const pathStatement = {
      inline: 'INSERT IGNORE INTO `temperature`%',
      prepared: 'INSERT IGNORE INTO `temperature`%',
      'load-data': 'LOAD DATA LOCAL INFILE%',
    }[sqlPath];

    // The tests of one path must not find the rows of the path before.
    beforeAll(async () => {
      await knex('temp_range_alert').del();
      await knex('temperature').del();
    });

    it('writes a batch in one transaction: a refusal in its last statement leaves none of its rows', async () => {
      const sink = newSink();
      // Inline, one statement holds MAX_ROWS_PER_STATEMENT rows: the bad row is alone in the second
      // statement (prepared: in the last of seven), so only a transaction can take back the others.
      const good = Array.from({ length: MAX_ROWS_PER_STATEMENT }, (_, i) => reading(`txn-${i % 7}`, T0 + i * 1000));
      // The sink's own checks pass it; MySQL would truncate the 300-character topic into VARCHAR(249).
      const bad = reading('txn-bad', T0, 70, 'FAHRENHEIT', `t${'x'.repeat(299)}`);
      const failure: unknown = await sink.write([...good, bad]).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(SinkError);
      expect((failure as SinkError).message).toMatch(/would have changed values/);
      expect(sink.isTransient(failure), 'a value the table cannot hold is permanent').toBe(false);
      expect(await countWhere('temperature', 'device_id', 'txn-')).toBe(0);
      expect(sink.counters).toEqual({ stored: 0, alreadyPresent: 0, conflicting: 0, rejected: 0, batches: 0 });

      await sink.write(good);
      expect(await countWhere('temperature', 'device_id', 'txn-')).toBe(MAX_ROWS_PER_STATEMENT);
      expect(sink.counters).toEqual({ stored: MAX_ROWS_PER_STATEMENT, alreadyPresent: 0, conflicting: 0, rejected: 0, batches: 1 });
    });

    it('counts a reading delivered twice as already present and keeps the first delivery', async () => {
      const sink = newSink();
      const first = reading('dup-1', T0, 71.5);
      const other = reading('dup-2', T0, 20, 'CELSIUS');
      const again = { ...first, source: { ...first.source, offset: String(nextOffset++) } };
      await sink.write([first, other, again]);
      expect(sink.counters).toEqual({ stored: 2, alreadyPresent: 1, conflicting: 0, rejected: 0, batches: 1 });
      // A whole batch redelivered (a replay, a restart before the commit): nothing new.
      await sink.write([first, other]);
      expect(sink.counters).toEqual({ stored: 2, alreadyPresent: 3, conflicting: 0, rejected: 0, batches: 2 });
      expect(await temperatureRows(['dup-1', 'dup-2'])).toEqual([
        {
          device_id: 'dup-1',
          reading_time: toMysqlDatetime(T0),
          temperature: 71.5,
          unit: 'FAHRENHEIT',
          source_topic: 'temperature-readings',
          source_partition: 0,
          source_offset: first.source.offset,
        },
        {
          device_id: 'dup-2',
          reading_time: toMysqlDatetime(T0),
          temperature: 20,
          unit: 'CELSIUS',
          source_topic: 'temperature-readings',
          source_partition: 0,
          source_offset: other.source.offset,
        },
      ]);
    });

    it('dead-letters a reading that contradicts the stored one as conflicting-duplicate; a true redelivery stays already present', async () => {
      const sink = newSink();
      const T1 = T0 + 4 * 86_400_000;
      const first = reading('conf-1', T1, 70);
      await sink.write([first]);
      const redelivered = { ...first, source: { ...first.source, offset: String(nextOffset++) } };
      const batch = [redelivered, reading('conf-1', T1, 71), reading('conf-1', T1, 70, 'CELSIUS'), reading('conf-2', T1, 80), reading('conf-2', T1, 81)];
      const outcome = await sink.write(batch);
      expect([...(outcome.rejected?.keys() ?? [])].sort()).toEqual([1, 2, 4]);
      for (const error of outcome.rejected?.values() ?? []) {
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).rule).toBe('conflicting-duplicate');
      }
      expect(outcome.rejected?.get(1)?.message).toMatch(/71.*FAHRENHEIT.*70.*FAHRENHEIT/);
      expect(sink.counters).toEqual({ stored: 2, alreadyPresent: 1, conflicting: 3, rejected: 0, batches: 2 });
      expect((await temperatureRows(['conf-1', 'conf-2'])).map((r) => [r.device_id, r.temperature, r.unit])).toEqual([
        ['conf-1', 70, 'FAHRENHEIT'],
        ['conf-2', 80, 'FAHRENHEIT'],
      ]);
    });

    it('keeps no alert of a reading whose row says otherwise, whichever reaches MySQL first', async () => {
      const sink = newSink();
      const store = new MysqlAlertStore(knex);
      const T1 = T0 + 5 * 86_400_000;
      // The row first: the alert of a conflicting reading is not kept; one that matches its row is.
      await sink.write([reading('agree-row-first', T1, 70), reading('agree-match', T1, 125.5)]);
      const contradicted = alert('agree-row-first', T1, 'HIGH');
      const matching = alert('agree-match', T1, 'HIGH');
      expect(await store.record([contradicted, matching])).toEqual([matching]);
      // The alert first (it outran the first reading's row): the conflicting reading's write removes it.
      const early = alert('agree-alert-first', T1, 'HIGH');
      expect(await store.record([early])).toEqual([early]);
      await sink.write([reading('agree-alert-first', T1, 70)]);
      const outcome = await sink.write([reading('agree-alert-first', T1, 125.5)]);
      expect([...(outcome.rejected?.keys() ?? [])]).toEqual([0]);
      const kept = await knex<{ device_id: string; temperature: number }>('temp_range_alert')
        .where('reading_time', toMysqlDatetime(T1))
        .orderBy('device_id')
        .select('device_id', 'temperature');
      expect(kept.map((r) => [r.device_id, r.temperature])).toEqual([['agree-match', 125.5]]);
    });

    it('stores device ids with SQL metacharacters and non-ASCII characters verbatim', async () => {
      const sink = newSink();
      const ids = [
        "'; DROP TABLE temperature; --",
        "Robert'); DROP TABLE temperature;--",
        'back\\slash "dq" `bt` %_?',
        'Ofen-ä-🔥',
        'caseSensitive',
        'casesensitive',
        // LOAD DATA's separators and escapes: a tab, a line end, the NULL marker, a NUL byte.
        'tab\there',
        'new\nline\r\n',
        '\\N',
        'nul\0byte',
        ' padded ',
      ];
      await sink.write(ids.map((id) => reading(id, T0 + 5000)));
      expect(sink.counters.stored).toBe(ids.length);
      const rows = await temperatureRows(ids);
      expect(rows.map((r) => r.device_id).sort()).toEqual([...ids].sort());
      const [tables] = await root.query("SHOW TABLES LIKE 'temperature'");
      expect(tables, 'the table is still there').toHaveLength(1);
    });

    it('refuses a too-long device id on its own, as a permanent error, and stores the rest of the batch', async () => {
      const sink = newSink();
      const longest = `len-${'x'.repeat(MAX_DEVICE_ID_LENGTH - 4)}`;
      const tooLong = `${longest}y`;
      const batch = [reading('len-ok-1', T0), reading(tooLong, T0), reading(longest, T0)];

      // The writer alone: it says which item it refused, and writes the others.
      const outcome = await sink.write(batch);
      expect([...(outcome.rejected?.keys() ?? [])]).toEqual([1]);
      expect(sink.counters).toEqual({ stored: 2, alreadyPresent: 0, conflicting: 0, rejected: 1, batches: 1 });

      // As the engine feeds it: through a BatchingSink, each record gets its own fate.
      const again = [reading('len-ok-2', T0), reading(tooLong, T0 + 1), reading('len-ok-3', T0)];
      const fates = await throughBatchingSink(sink, again);
      expect(fates[0]).toBe('written');
      expect(fates[2]).toBe('written');
      expect(fates[1]).toBeInstanceOf(SinkError);
      const refused = fates[1] as SinkError;
      expect([refused.errorClass, refused.transient]).toEqual(['sink', false]);
      expect(refused.message).toContain(`deviceId must be 1 to ${MAX_DEVICE_ID_LENGTH} characters`);
      expect((await temperatureRows(['len-ok-1', 'len-ok-2', 'len-ok-3', longest, tooLong])).map((r) => r.device_id).sort()).toEqual(
        ['len-ok-1', 'len-ok-2', 'len-ok-3', longest].sort(),
      );
    });

    it('calls a connection killed in the middle of a write transient, and the next write goes through', async () => {
      const sink = newSink();
      const victim = reading('killed-1', T0);
      const error = await killWhileBlocked(
        'temperature',
        `INSERT INTO temperature (device_id, reading_time, temperature, unit, received_at, source_topic, source_partition, source_offset) VALUES ('killed-1', '${toMysqlDatetime(T0)}', 1, 'FAHRENHEIT', '${toMysqlDatetime(T0)}', 'locker', 0, 0)`,
        () => sink.write([victim]),
        pathStatement,
      );
      expect(sink.isTransient(error), `${String(error)} must be transient`).toBe(true);
      expect(sink.counters.batches).toBe(0);
      // The locker rolled back: the retry finds a fresh connection and stores the reading.
      await sink.write([victim]);
      expect(await temperatureRows(['killed-1'])).toMatchObject([{ device_id: 'killed-1', source_offset: victim.source.offset }]);
    });

    it('calls a server that refuses connections transient', async () => {
      const port = await freePort();
      const nowhere = createKnex(`mysql://root:x@127.0.0.1:${port}/${db.name}`, { acquireTimeoutMs: 2000 });
      try {
        const sink = newSink(nowhere);
        const error: unknown = await sink.write([reading('nowhere', T0)]).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(error).toBeDefined();
        expect(sink.isTransient(error), `${String(error)} must be transient`).toBe(true);
      } finally {
        await nowhere.destroy();
      }
    });
  });

  describe('MysqlReadingsSink on a server with local_infile off (MySQL 8 ships it off)', () => {
    afterAll(async () => {
      await root.query('SET GLOBAL local_infile = 1');
    });

    it('falls back from LOAD DATA to inline INSERTs and stores the batch it was refused', async () => {
      await root.query('DELETE FROM temperature');
      await root.query('SET GLOBAL local_infile = 0');
      const sink = new MysqlReadingsSink(knex);
      expect(sink.sqlPath).toBe('load-data');
      const batch = [reading('infile-off-1', T0), reading('infile-off-2', T0)];
      const outcome = await sink.write(batch);
      expect(outcome.rejected?.size).toBe(0);
      expect(sink.sqlPath).toBe('inline');
      await sink.write([...batch, reading('infile-off-3', T0)]);
      expect(sink.counters).toEqual({ stored: 3, alreadyPresent: 2, conflicting: 0, rejected: 0, batches: 2 });
      expect((await temperatureRows(['infile-off-1', 'infile-off-2', 'infile-off-3'])).map((r) => r.device_id)).toEqual([
        'infile-off-1',
        'infile-off-2',
        'infile-off-3',
      ]);
    });
  });

  describe("with the server's global sql_mode NO_BACKSLASH_ESCAPES", () => {
    // The sinks inline values escaped with backslashes; under NO_BACKSLASH_ESCAPES a backslash is a
    // plain character, so `\'` would end the string. createKnex pins every pooled connection's mode.
    // Ids below fit VARCHAR(64) and hold no quote of their own but the one after the backslash
    // (the escaper would double any other), so before the pin each one is a working injection.
    const smuggledRow = "\\',NOW(),0,0,NOW(),0,0,0),(0x70776e6564,NOW(),0,0,NOW(),0,0,0)#"; // adds a row 'pwned', drops the rest
    const everyAlert = "\\',0,0,0)) OR 1=1#"; // widens an UPDATE's WHERE to every row
    const NBE_TIME = T0 + 3 * 86_400_000; // a day no other test writes
    let previousMode: string;
    let exposed: Knex;

    /** Every device id stored at one reading time, read on the root connection (opened before the mode changed). */
    const storedIds = async (table: string, readingTime: number): Promise<string[]> => {
      const [rows] = await root.query(`SELECT device_id FROM \`${table}\` WHERE reading_time = ? ORDER BY device_id`, [toMysqlDatetime(readingTime)]);
      return (rows as { device_id: string }[]).map((r) => r.device_id).sort();
    };

    beforeAll(async () => {
      const [rows] = await root.query('SELECT @@GLOBAL.sql_mode AS mode');
      previousMode = (rows as { mode: string }[])[0]!.mode;
      // Only connections opened from now on take the global mode: a knex of its own, created after.
      await root.query("SET GLOBAL sql_mode = CONCAT_WS(',', NULLIF(@@GLOBAL.sql_mode, ''), 'NO_BACKSLASH_ESCAPES')");
      exposed = createKnex(db.url, { pool: { max: 2 } });
    });

    afterAll(async () => {
      await exposed?.destroy();
      // The stack is shared with the next test files: give the server its own mode back.
      if (previousMode !== undefined) await root.query('SET GLOBAL sql_mode = ?', [previousMode]);
    });

    it('runs each pooled connection in a known mode: strict, with backslash escapes', async () => {
      const [[server]] = (await exposed.raw('SELECT @@GLOBAL.sql_mode AS mode')) as [[{ mode: string }]];
      expect(server.mode, 'the test set the server up as intended').toContain('NO_BACKSLASH_ESCAPES');
      const [[session]] = (await exposed.raw('SELECT @@SESSION.sql_mode AS mode')) as [[{ mode: string }]];
      expect(session.mode.split(',')).not.toContain('NO_BACKSLASH_ESCAPES');
      expect(session.mode.split(',')).toContain('STRICT_TRANS_TABLES');
    });

    it('MysqlReadingsSink stores ids with backslashes and quotes verbatim and executes nothing else', async () => {
      const sink = new MysqlReadingsSink(exposed);
      const ids = [smuggledRow, "nbe-x\\', 1) -- ", 'nbe-back\\slash', "nbe-it's", 'nbe-\\\\', "nbe-'\\''"];
      // The smuggled row comes first, so a working injection would comment out the others.
      await sink.write(ids.map((id) => reading(id, NBE_TIME)));
      expect(sink.counters).toEqual({ stored: ids.length, alreadyPresent: 0, conflicting: 0, rejected: 0, batches: 1 });
      expect(await storedIds('temperature', NBE_TIME)).toEqual([...ids].sort());
      const [pwned] = await root.query("SELECT COUNT(*) AS n FROM temperature WHERE device_id = 'pwned'");
      expect(Number((pwned as { n: number }[])[0]!.n), 'no row but the batch').toBe(0);
    });

    it('MysqlAlertStore stores and marks such ids verbatim, and marks no other alert', async () => {
      const store = new MysqlAlertStore(exposed);
      const canary = alert('nbe-canary', NBE_TIME, 'HIGH');
      const nasty = [alert(everyAlert, NBE_TIME, 'HIGH'), alert("nbe-a\\', 1) -- ", NBE_TIME, 'LOW'), alert('nbe-a\\\\', NBE_TIME, 'HIGH')];
      // Stored on a connection of the file's own (the UPDATE is the point here), marked on the exposed one.
      expect(await new MysqlAlertStore(knex).record([canary, ...nasty])).toEqual([canary, ...nasty]);
      await store.markNotified(nasty);
      const [rows] = await root.query('SELECT device_id, notified_at FROM temp_range_alert WHERE reading_time = ?', [toMysqlDatetime(NBE_TIME)]);
      expect((rows as { device_id: string; notified_at: string | null }[]).map((r) => [r.device_id, r.notified_at !== null]).sort()).toEqual(
        [[canary.reading.deviceId, false], ...nasty.map((a) => [a.reading.deviceId, true])].sort(),
      );
      const fresh = alert("nbe-fresh\\', 1) -- ", NBE_TIME, 'HIGH');
      expect(await store.record([canary, ...nasty, fresh]), 'the canary and the new alert wait for their notification').toEqual([canary, fresh]);
      expect(await storedIds('temp_range_alert', NBE_TIME)).toContain(fresh.reading.deviceId);
    });
  });

  describe('MysqlAlertStore', () => {
    const alertRows = async (prefix: string) =>
      (await knex('temp_range_alert')
        .select('device_id', 'reading_time', 'rule', 'direction', 'bound', 'source_offset', 'notified_at')
        .where('device_id', 'like', `${prefix}%`)
        .orderBy('id')) as {
        device_id: string;
        reading_time: string;
        rule: string;
        direction: string;
        bound: number;
        source_offset: string;
        notified_at: string | null;
      }[];

    it('stores each alert once, hands back those nobody was told about, and forgets them once marked', async () => {
      const store = new MysqlAlertStore(knex);
      const high = alert('store-1', T0, 'HIGH');
      const low = alert('store-2', T0, 'LOW');
      const highAgain = { ...high, sourceOffset: String(nextOffset++) }; // the reading produced twice
      expect(await store.record([high, low, highAgain])).toEqual([high, low]);
      // Redelivered before anyone was told: still waiting.
      expect(await store.record([highAgain])).toEqual([highAgain]);
      await store.markNotified([high]);
      expect(await store.record([high, low])).toEqual([low]);
      const rows = await alertRows('store-');
      expect(rows.map((r) => [r.device_id, r.direction, r.bound, r.source_offset, r.notified_at === null])).toEqual([
        ['store-1', 'HIGH', 120, high.sourceOffset, false],
        ['store-2', 'LOW', 40, low.sourceOffset, true],
      ]);
    });

    it('stores a device id with SQL metacharacters verbatim', async () => {
      const store = new MysqlAlertStore(knex);
      const nasty = alert("meta'; DROP TABLE temp_range_alert; --", T0, 'HIGH');
      expect(await store.record([nasty])).toEqual([nasty]);
      expect((await alertRows('meta')).map((r) => r.device_id)).toEqual(["meta'; DROP TABLE temp_range_alert; --"]);
    });

    it('refuses a too-long device id alone, as a permanent sink error, while the rest are stored and notified once', async () => {
      const store = new MysqlAlertStore(knex);
      const told: string[] = [];
      const notifier: Notifier = {
        name: 'test',
        notify: (notice) => {
          told.push(noticeDevice(notice));
          return Promise.resolve();
        },
      };
      const tooLong = `batch-${'x'.repeat(MAX_DEVICE_ID_LENGTH)}`;
      const alerts = [alert('batch-1', T0, 'HIGH'), alert(tooLong, T0, 'HIGH'), alert('batch-2', T0, 'LOW')];
      // The alert table has no check of its own before writing: MySQL's truncation warning fails the
      // batch, the batching sink splits it until the bad alert stands alone.
      const fates = await throughBatchingSink(new AlertWriter(store, notifier), alerts.map(asRecord));
      expect(fates[0]).toBe('written');
      expect(fates[2]).toBe('written');
      expect(fates[1]).toBeInstanceOf(SinkError);
      expect((fates[1] as SinkError).transient).toBe(false);
      expect((await alertRows('batch-')).map((r) => [r.device_id, r.notified_at !== null])).toEqual([
        ['batch-1', true],
        ['batch-2', true],
      ]);
      expect(told.sort()).toEqual(['batch-1', 'batch-2']);
    });

    it('records a notification that failed for good with its reason, and never hands the alert back', async () => {
      const store = new MysqlAlertStore(knex);
      const refused = alert('notify-failed-1', T0, 'HIGH');
      const told = alert('notify-failed-2', T0, 'HIGH');
      expect(await store.record([refused, told])).toEqual([refused, told]);
      await store.markFailed([{ alert: refused, error: 'webhook at hooks.example answered 404: no_service ✓' }]);
      await store.markNotified([told, refused]); // a failed one stays failed
      expect(await store.record([refused, told])).toEqual([]);
      const rows = (await knex('temp_range_alert')
        .select('device_id', 'notify_status', 'notify_error', 'notified_at')
        .where('device_id', 'like', 'notify-failed-%')
        .orderBy('device_id')) as { device_id: string; notify_status: string | null; notify_error: string | null; notified_at: string | null }[];
      expect(rows.map((r) => [r.device_id, r.notify_status, r.notify_error, r.notified_at !== null])).toEqual([
        ['notify-failed-1', 'failed', 'webhook at hooks.example answered 404: no_service ✓', false],
        ['notify-failed-2', 'notified', null, true],
      ]);
    });

    it.each([Number.NaN, Number.POSITIVE_INFINITY])(
      'refuses an alert with temperature %s as a permanent error (not a table to wait for)',
      async (temperature) => {
        const store = new MysqlAlertStore(knex);
        const bad = { ...alert('non-finite', T0, 'HIGH'), temperatureFahrenheit: temperature };
        const error = await store.record([bad]).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, 'the server must refuse it').toBeDefined();
        expect(store.isTransient(error), `${String(error)} must be permanent`).toBe(false);
      },
    );

    it('calls a connection killed in the middle of recording transient', async () => {
      const store = new MysqlAlertStore(knex);
      const victim = alert('killed-alert', T0, 'HIGH');
      const error = await killWhileBlocked(
        'temp_range_alert',
        `INSERT INTO temp_range_alert (device_id, reading_time, rule, direction, temperature, unit, temperature_f, bound, min_temp, max_temp, source_topic, source_partition, source_offset, created_at)
         VALUES ('killed-alert', '${toMysqlDatetime(T0)}', 'temp-range', 'HIGH', 1, 'FAHRENHEIT', 1, 120, 40, 120, 'locker', 0, 0, '${toMysqlDatetime(T0)}')`,
        () => store.record([victim]),
      );
      expect(store.isTransient(error), `${String(error)} must be transient`).toBe(true);
      expect(await store.record([victim])).toEqual([victim]);
      expect((await alertRows('killed-alert')).map((r) => r.source_offset)).toEqual([victim.sourceOffset]);
    });
  });
});
