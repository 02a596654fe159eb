import { describe, expect, it } from 'vitest';
import { SinkError } from '../topology/index.js';
import { isTransientMysqlError } from './mysql-errors.js';

/** An error shaped like mysql2's. */
const driverError = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(code), { code, ...extra });

describe('isTransientMysqlError', () => {
  it.each([
    'PROTOCOL_CONNECTION_LOST',
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'ER_LOCK_DEADLOCK',
    'ER_LOCK_WAIT_TIMEOUT',
    'ER_CON_COUNT_ERROR',
    'ER_SERVER_SHUTDOWN',
    'ER_OPTION_PREVENTS_STATEMENT',
    'ER_NO_SUCH_TABLE',
    'ER_ACCESS_DENIED_ERROR',
  ])('retries %s: the database is away, busy or not ready', (code) => {
    expect(isTransientMysqlError(driverError(code))).toBe(true);
  });

  it.each([
    'ER_DATA_TOO_LONG',
    'ER_TRUNCATED_WRONG_VALUE',
    'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD',
    'ER_BAD_NULL_ERROR',
    'ER_WARN_DATA_OUT_OF_RANGE',
    'ER_WARN_NULL_TO_NOTNULL',
    'ER_PARSE_ERROR',
    'ER_DUP_ENTRY',
    // An inlined NaN or Infinity reads as a column name: a bad value, not a table being migrated.
    'ER_BAD_FIELD_ERROR',
  ])('does not retry %s: the data is refused', (code) => {
    expect(isTransientMysqlError(driverError(code))).toBe(false);
  });

  it('retries a knex pool timeout', () => {
    const timeout = Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), { name: 'KnexTimeoutError' });
    expect(isTransientMysqlError(timeout)).toBe(true);
  });

  it('retries errors mysql2 marks fatal, and looks through causes', () => {
    expect(isTransientMysqlError(driverError('SOMETHING_NEW', { fatal: true }))).toBe(true);
    expect(isTransientMysqlError(new Error('wrapped', { cause: driverError('ER_LOCK_DEADLOCK') }))).toBe(true);
  });

  it('does not retry our own permanent refusals or unknown values', () => {
    expect(isTransientMysqlError(new SinkError('MySQL would have changed values', false))).toBe(false);
    expect(isTransientMysqlError('boom')).toBe(false);
    expect(isTransientMysqlError(undefined)).toBe(false);
  });
});
