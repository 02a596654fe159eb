import { DeserializationError } from '../errors.js';
import type { Serde } from './serde.js';

/** UTF-8 text; a null key stays null. */
export const stringSerde: Serde<string | null> = {
  name: 'string',
  topicIndependent: true,
  serialize: (value) => (value === null ? null : Buffer.from(value, 'utf8')),
  deserialize: (bytes) => (bytes === null ? null : bytes.toString('utf8')),
};

/** The bytes as they are. */
export const bytesSerde: Serde<Buffer | null> = {
  name: 'bytes',
  topicIndependent: true,
  serialize: (value) => value,
  deserialize: (bytes) => bytes,
};

/** Like `stringSerde` but refuses a missing value, for keys that must be present. */
export const requiredStringSerde: Serde<string> = {
  name: 'string!',
  topicIndependent: true,
  serialize: (value) => Buffer.from(value, 'utf8'),
  deserialize: (bytes) => {
    if (bytes === null) throw new DeserializationError('expected a string, got a null');
    return bytes.toString('utf8');
  },
};
