import avro from 'avsc';
import type { Type } from 'avsc';

/**
 * Avro's `timestamp-millis` logical type, read from JSON that may carry an ISO-8601 time instead of
 * epoch milliseconds. JSON producers send both; the schema already says the field is a point in time,
 * so a zoned ISO string names exactly one value. A time without a zone does not (whose local time?).
 */
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch milliseconds of a zoned ISO-8601 date-time, or undefined if `text` is not one (or names no real day). */
export function isoToMillis(text: string): number | undefined {
  const m = ISO_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute] = m.slice(1, 6).map(Number) as [number, number, number, number, number];
  const second = Number(m[6] ?? 0);
  const ms = Number((m[7] ?? '').padEnd(3, '0'));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const back = new Date(local);
  // Date.UTC rolls 30 February over into March; a time that does not exist is refused, not moved.
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day ||
    back.getUTCHours() !== hour ||
    back.getUTCMinutes() !== minute ||
    back.getUTCSeconds() !== second
  )
    return undefined;
  const zone = m[8]!;
  const offsetMinutes = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  return local - offsetMinutes * 60_000;
}

/** Keeps `timestamp-millis` visible in the avsc type tree; values stay plain epoch-millisecond numbers. */
class TimestampMillis extends avro.types.LogicalType {
  protected override _fromValue(value: unknown): unknown {
    return value;
  }
  protected override _toValue(value: unknown): unknown {
    return value;
  }
  protected override _resolve(type: Type): ((value: unknown) => unknown) | undefined {
    return avro.Type.isType(type, 'long', 'logical:timestamp-millis') ? (value: unknown) => value : undefined;
  }
}

export const TIMESTAMP_MILLIS_LOGICAL_TYPES = { 'timestamp-millis': TimestampMillis } as const;

const isTimestampMillis = (type: Type): boolean => type.typeName === 'logical:timestamp-millis';

/**
 * `value` with every ISO-8601 string at a `timestamp-millis` position replaced by its epoch
 * milliseconds. Anything else is left as it is, for validation to judge.
 */
export function isoTimesToMillis(type: Type, value: unknown): unknown {
  if (typeof value === 'string') {
    if (isTimestampMillis(type)) return isoToMillis(value) ?? value;
    // A union whose only string-like branch is a timestamp: the string can mean nothing else.
    if (type.typeName === 'union:unwrapped') {
      const branches = (type as avro.types.UnwrappedUnionType).types;
      if (branches.some(isTimestampMillis) && !branches.some((b) => b.typeName === 'string' || b.typeName === 'enum')) return isoToMillis(value) ?? value;
    }
    return value;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (type.typeName === 'union:unwrapped') {
    const records = (type as avro.types.UnwrappedUnionType).types.filter((b) => b.typeName === 'record' || b.typeName === 'array' || b.typeName === 'map');
    return records.length === 1 ? isoTimesToMillis(records[0]!, value) : value;
  }
  if (type.typeName === 'record' && !Array.isArray(value)) {
    // Copied only when a field changes: most records carry numbers already (a store's value, always).
    const record = value as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    for (const field of (type as avro.types.RecordType).fields) {
      const present = record[field.name];
      if (present === undefined) continue;
      const converted = isoTimesToMillis(field.type, present);
      if (converted !== present) (out ??= { ...record })[field.name] = converted;
    }
    return out ?? record;
  }
  if (type.typeName === 'array' && Array.isArray(value)) return value.map((item) => isoTimesToMillis((type as avro.types.ArrayType).itemsType, item));
  if (type.typeName === 'map' && !Array.isArray(value)) {
    const valuesType = (type as avro.types.MapType).valuesType as Type; // typed `any` by avsc
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isoTimesToMillis(valuesType, v)]));
  }
  return value;
}
