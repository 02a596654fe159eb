/**
 * A query plan onto a knex query: every value a binding, every column from the collection's whitelist.
 * Times are compared as the tables store them (DATETIME(3) text, UTC).
 */
import type { Knex } from 'knex';
import { toMysqlDatetime } from '../../sinks/index.js';
import type { PlannedFilter, PlannedSort } from './collection-query.js';

/** LIKE's own wildcards and its escape character, escaped so the text matches only itself. */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export function applyFilters(query: Knex.QueryBuilder, filters: readonly PlannedFilter[], qualify: (column: string) => string = (c) => c): Knex.QueryBuilder {
  for (const f of filters) {
    const column = qualify(f.column);
    const value = f.kind === 'time' && typeof f.value === 'number' ? toMysqlDatetime(f.value) : f.value;
    if (f.op === 'eq') void query.where(column, value);
    else if (f.op === 'gte') void query.where(column, '>=', value);
    else if (f.op === 'lte') void query.where(column, '<=', value);
    // LIKE's default escape character is the backslash, which escapeLike doubles in the text itself.
    else void query.where(column, 'like', `%${escapeLike(String(value))}%`);
  }
  return query;
}

export function applySort(query: Knex.QueryBuilder, sort: readonly PlannedSort[], qualify: (column: string) => string = (c) => c): Knex.QueryBuilder {
  for (const s of sort) void query.orderBy(qualify(s.column), s.descending ? 'desc' : 'asc');
  return query;
}
