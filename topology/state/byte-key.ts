/**
 * Stores index their entries by the key's bytes as a latin1 string: one char per byte, so a Map
 * finds equal keys and JavaScript's string order is the bytes' unsigned lexicographic order (the
 * order Kafka Streams gives its byte-keyed stores).
 */
export const byteKey = (bytes: Buffer): string => bytes.toString('latin1');

export const byteKeyToBuffer = (key: string): Buffer => Buffer.from(key, 'latin1');

export const compareByteKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
