/**
 * DATETIME(3) has no time zone: this project stores UTC, written as text so the result does not depend
 * on the connection's or the server's time zone.
 */

/** 1970-01-01T00:00:00.000Z: devices report epoch milliseconds; earlier times are clock errors. */
export const MIN_STORABLE_TIME_MS = 0;
/** 9999-12-31T23:59:59.999Z, DATETIME's upper end. */
export const MAX_STORABLE_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export const isStorableTime = (ms: number): boolean => Number.isInteger(ms) && ms >= MIN_STORABLE_TIME_MS && ms <= MAX_STORABLE_TIME_MS;

const DAY_MS = 86_400_000;
const pad = (n: number, width: number): string => String(n).padStart(width, '0');
/** `00`…`99` and `000`…`999`, made once: a lookup, not a string built, per field. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => pad(n, 2));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => pad(n, 3));

/** The `YYYY-MM-DD ` of the last day formatted: a batch's readings mostly fall on one day. */
let lastDay = Number.NaN;
let lastDayPrefix = '';
/** The `YYYY-MM-DD HH:MM:SS.` of the last second formatted: readings arriving together mostly share it. */
let lastSecond = Number.NaN;
let lastSecondPrefix = '';

/**
 * `2026-01-01 10:00:00.250` for 2026-01-01T10:00:00.250Z. Built from the UTC fields rather than
 * toISOString(): it runs for every stored row. The date part is kept for the last day seen and the
 * time of day is plain arithmetic, so most calls create no Date (storable years all have four digits);
 * the text up to the second is kept for the last second seen, so most calls join two strings.
 */
export function toMysqlDatetime(ms: number): string {
  if (!isStorableTime(ms)) throw new RangeError(`${ms} ms is outside what DATETIME(3) stores`);
  const millis = ms % 1000;
  const second = ms - millis;
  if (second === lastSecond) return lastSecondPrefix + THREE_DIGITS[millis]!;
  const day = Math.floor(ms / DAY_MS);
  if (day !== lastDay) {
    const d = new Date(day * DAY_MS);
    lastDayPrefix = `${d.getUTCFullYear()}-${TWO_DIGITS[d.getUTCMonth() + 1]!}-${TWO_DIGITS[d.getUTCDate()]!} `;
    lastDay = day;
  }
  let rest = (second - day * DAY_MS) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  lastSecondPrefix = `${lastDayPrefix}${TWO_DIGITS[hours]!}:${TWO_DIGITS[minutes]!}:${TWO_DIGITS[seconds]!}.`;
  lastSecond = second;
  return lastSecondPrefix + THREE_DIGITS[millis]!;
}

/** Reads back what `toMysqlDatetime` wrote (mysql2 with `dateStrings`, or a Date from a UTC connection). */
export function fromMysqlDatetime(value: string | Date): number {
  if (value instanceof Date) return value.getTime();
  return Date.parse(`${value.replace(' ', 'T')}Z`);
}
