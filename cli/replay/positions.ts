/**
 * `--from` and `--to` of `tempstream replay`, parsed into positions. Times must name their zone
 * (Z or ±hh:mm) or be a bare date (midnight UTC): a replay window must not depend on the machine's zone.
 */

export type ReplayFrom =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'time'; readonly at: number }
  /** Only the partitions listed are replayed. */
  | { readonly kind: 'offsets'; readonly offsets: ReadonlyMap<number, bigint> };

export type ReplayTo = { readonly kind: 'now' } | { readonly kind: 'time'; readonly at: number };

export class PositionError extends Error {
  override readonly name = 'PositionError';
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Epoch millis of an ISO-8601 time with a zone, or of a date (midnight UTC). */
export function parseIsoTime(text: string): number {
  const m = ISO_TIME.exec(text);
  if (!m) throw new PositionError(`"${text}" is not an ISO time with a zone (e.g. 2025-01-31T08:00:00Z) or a date (2025-01-31)`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Date.parse rolls 2025-02-30 over to March; a typo should be an error instead.
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new PositionError(`"${text}" is not a calendar date`);
  }
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) throw new PositionError(`"${text}" is not a time of day`);
  const at = Date.parse(m[4] === undefined ? `${m[1]}-${m[2]}-${m[3]}T00:00:00Z` : text);
  if (Number.isNaN(at)) throw new PositionError(`"${text}" is not a valid time`);
  return at;
}

/** `earliest`, an ISO time, or `partition:offset[,partition:offset...]`. */
export function parseFrom(text: string): ReplayFrom {
  const trimmed = text.trim();
  if (trimmed === 'earliest') return { kind: 'earliest' };
  if (/^\d+:/.test(trimmed)) return { kind: 'offsets', offsets: parseOffsets(trimmed) };
  return { kind: 'time', at: parseIsoTime(trimmed) };
}

/** `now` (the end of each partition when the replay starts) or an ISO time (records before it). */
export function parseTo(text: string): ReplayTo {
  const trimmed = text.trim();
  if (trimmed === 'now') return { kind: 'now' };
  return { kind: 'time', at: parseIsoTime(trimmed) };
}

function parseOffsets(text: string): Map<number, bigint> {
  const offsets = new Map<number, bigint>();
  for (const part of text.split(',')) {
    const m = /^\s*(\d+):(\d+)\s*$/.exec(part);
    if (!m) throw new PositionError(`"${part}" is not partition:offset (e.g. 0:1200,3:0)`);
    const partition = Number(m[1]);
    if (!Number.isSafeInteger(partition) || partition > 2 ** 31 - 1) throw new PositionError(`partition ${m[1]} is out of range`);
    if (offsets.has(partition)) throw new PositionError(`partition ${partition} is given twice`);
    const offset = BigInt(m[2] ?? '0');
    if (offset > 2n ** 63n - 1n) throw new PositionError(`offset ${m[2]} is out of range`);
    offsets.set(partition, offset);
  }
  return offsets;
}

/** Refuses a window that ends before it starts: most likely the two times were swapped. */
export function checkWindow(from: ReplayFrom, to: ReplayTo): void {
  if (from.kind === 'time' && to.kind === 'time' && to.at <= from.at) {
    throw new PositionError(`--to (${new Date(to.at).toISOString()}) must be after --from (${new Date(from.at).toISOString()})`);
  }
}
