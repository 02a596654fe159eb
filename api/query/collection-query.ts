/**
 * A JSON:API query string (filter[...], sort, page[...], fields[...]) turned into a typed plan, or a
 * ParameterError naming the first parameter that cannot be used. Pure: the plan names columns only
 * from the collection's own whitelist, never from the request, so no input reaches SQL as a name.
 */
import { ParameterError } from '../errors.js';
import { parseEnum, parseInteger, parseNumber, parseText, parseTime } from './values.js';

export type FilterKind = 'text' | 'number' | 'time' | 'enum';
/** eq: equal; gte/lte: inclusive bounds; contains: a substring, matched literally. */
export type FilterOp = 'eq' | 'gte' | 'lte' | 'contains';

export interface FilterSpec {
  readonly kind: FilterKind;
  /** The SQL column (or a key the collection knows) it applies to. */
  readonly column: string;
  readonly op: FilterOp;
  readonly description: string;
  /** For kind 'enum'. */
  readonly values?: readonly string[];
  /** For kind 'text' (default 256). */
  readonly maxLength?: number;
}

export interface CollectionSpec {
  /** The JSON:API resource type, e.g. "readings". */
  readonly type: string;
  readonly filters: Readonly<Record<string, FilterSpec>>;
  /** Sortable attribute → its SQL column. */
  readonly sort: Readonly<Record<string, string>>;
  /** Used when the request gives no sort, e.g. ['-readingTime']. */
  readonly defaultSort: readonly string[];
  /** Always sorted last, so pages do not overlap when sort keys tie. */
  readonly tiebreakColumn: string;
  /** Every attribute a resource has (for fields[type]). */
  readonly attributes: readonly string[];
}

export interface PlannedFilter {
  readonly name: string;
  readonly column: string;
  readonly op: FilterOp;
  /** Numbers and times (epoch ms) as numbers; text as given. */
  readonly value: string | number;
  readonly kind: FilterKind;
}

export interface PlannedSort {
  readonly column: string;
  readonly descending: boolean;
}

export interface QueryPlan {
  readonly filters: readonly PlannedFilter[];
  readonly sort: readonly PlannedSort[];
  readonly page: { readonly offset: number; readonly limit: number };
  /** Attributes to return; undefined: all. */
  readonly fields?: readonly string[];
}

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;
/** Deep offsets cost the database a scan: filter by time instead. */
export const MAX_PAGE_OFFSET = 1_000_000;
const MAX_SORT_TERMS = 5;

export type RawQuery = Readonly<Record<string, unknown>>;

export function parseCollectionQuery(spec: CollectionSpec, query: RawQuery): QueryPlan {
  const filters: PlannedFilter[] = [];
  let sortText: string | undefined;
  let offset = 0;
  let limit = DEFAULT_PAGE_LIMIT;
  let fields: string[] | undefined;
  for (const [parameter, raw] of Object.entries(query)) {
    if (raw === undefined) continue;
    const text = single(parameter, raw);
    const bracket = /^(filter|page|fields)\[([^\]]*)\]$/.exec(parameter);
    if (parameter === 'sort') sortText = text;
    else if (bracket?.[1] === 'filter') filters.push(planFilter(spec, parameter, bracket[2] ?? '', text));
    else if (parameter === 'page[offset]') offset = parseInteger(parameter, text, 0, MAX_PAGE_OFFSET);
    else if (parameter === 'page[limit]') limit = parseInteger(parameter, text, 1, MAX_PAGE_LIMIT);
    else if (bracket?.[1] === 'fields') fields = planFields(spec, parameter, bracket[2] ?? '', text);
    else throw new ParameterError(parameter, `unknown parameter; ${spec.type} takes ${knownParameters(spec).join(', ')}`);
  }
  return { filters, sort: planSort(spec, sortText), page: { offset, limit }, ...(fields ? { fields } : {}) };
}

/** Every parameter the collection takes, for messages and the OpenAPI document. */
export function knownParameters(spec: CollectionSpec): string[] {
  return [...Object.keys(spec.filters).map((f) => `filter[${f}]`), 'sort', 'page[offset]', 'page[limit]', `fields[${spec.type}]`];
}

function single(parameter: string, raw: unknown): string {
  if (Array.isArray(raw)) throw new ParameterError(parameter, 'given more than once');
  if (typeof raw !== 'string') throw new ParameterError(parameter, 'expected text');
  return raw;
}

function planFilter(spec: CollectionSpec, parameter: string, name: string, text: string): PlannedFilter {
  const filter = Object.hasOwn(spec.filters, name) ? spec.filters[name] : undefined;
  if (!filter) throw new ParameterError(parameter, `unknown filter; ${spec.type} can be filtered by ${Object.keys(spec.filters).join(', ')}`);
  const value =
    filter.kind === 'number'
      ? parseNumber(parameter, text)
      : filter.kind === 'time'
        ? parseTime(parameter, text)
        : filter.kind === 'enum'
          ? parseEnum(parameter, text, filter.values ?? [])
          : parseText(parameter, text, filter.maxLength ?? 256);
  return { name, column: filter.column, op: filter.op, value, kind: filter.kind };
}

function planSort(spec: CollectionSpec, text: string | undefined): PlannedSort[] {
  const terms = text === undefined ? spec.defaultSort : text.split(',');
  if (terms.length > MAX_SORT_TERMS) throw new ParameterError('sort', `at most ${MAX_SORT_TERMS} sort fields`);
  const seen = new Set<string>();
  const sort: PlannedSort[] = [];
  for (const term of terms) {
    const descending = term.startsWith('-');
    const name = descending ? term.slice(1) : term;
    const column = Object.hasOwn(spec.sort, name) ? spec.sort[name] : undefined;
    if (!column) throw new ParameterError('sort', `cannot sort by "${name}"; sortable: ${Object.keys(spec.sort).join(', ')} (prefix - for descending)`);
    if (seen.has(name)) throw new ParameterError('sort', `"${name}" given twice`);
    seen.add(name);
    sort.push({ column, descending });
  }
  if (!sort.some((s) => s.column === spec.tiebreakColumn)) sort.push({ column: spec.tiebreakColumn, descending: sort[0]?.descending ?? false });
  return sort;
}

function planFields(spec: CollectionSpec, parameter: string, type: string, text: string): string[] {
  if (type !== spec.type) throw new ParameterError(parameter, `this collection holds ${spec.type}: use fields[${spec.type}]`);
  const names = text === '' ? [] : text.split(',');
  for (const name of names) {
    if (!spec.attributes.includes(name)) throw new ParameterError(parameter, `unknown attribute "${name}"; ${spec.type} have ${spec.attributes.join(', ')}`);
  }
  return names;
}
