import type { Knex } from 'knex';

export interface RawCall {
  readonly sql: string;
  readonly bindings: readonly unknown[];
  readonly inTransaction: boolean;
  /** Query options given with `.options()` (LOAD DATA's `infileStreamFactory`), read before the answer. */
  options?: Readonly<Record<string, unknown>>;
}

/**
 * A knex stand-in for unit tests of SQL-building code: records every raw statement and answers from
 * a script (a function of the statement). `transaction` runs the callback and records commit or rollback.
 */
export function fakeKnex(answer: (sql: string, bindings: readonly unknown[], call: RawCall) => unknown) {
  const calls: RawCall[] = [];
  const outcomes: ('commit' | 'rollback')[] = [];
  const raw =
    (inTransaction: boolean) =>
    (sql: string, bindings: readonly unknown[] = []) => {
      const call: RawCall = { sql, bindings, inTransaction };
      calls.push(call);
      // Answered on the next tick, as a query builder runs when awaited: `.options()` comes first.
      const answered = Promise.resolve().then(() => answer(sql, bindings, call));
      return Object.assign(answered, {
        options(options: Record<string, unknown>) {
          call.options = options;
          return answered;
        },
      });
    };
  const knex = {
    raw: raw(false),
    async transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
      try {
        const result = await work({ raw: raw(true) } as unknown as Knex.Transaction);
        outcomes.push('commit');
        return result;
      } catch (err) {
        outcomes.push('rollback');
        throw err;
      }
    },
  };
  return { knex: knex as unknown as Knex, calls, outcomes };
}

/** What mysql2 answers to a raw INSERT. */
export const insertResult = (affectedRows: number, warningStatus = 0) => [
  { affectedRows, warningStatus, insertId: 1, info: '', serverStatus: 2, changedRows: 0, fieldCount: 0 },
  undefined,
];
