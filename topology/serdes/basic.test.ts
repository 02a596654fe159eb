import { describe, expect, it } from 'vitest';
import { DeserializationError } from '../errors.js';
import { bytesSerde, requiredStringSerde, stringSerde } from './basic.js';

describe('basic serdes', () => {
  it('stringSerde round-trips UTF-8 text and keeps a null as null', () => {
    const bytes = stringSerde.serialize('grüße ☃', 't');
    expect(bytes).toEqual(Buffer.from('grüße ☃', 'utf8'));
    expect(stringSerde.deserialize(bytes as Buffer, 't')).toBe('grüße ☃');
    expect(stringSerde.serialize(null, 't')).toBeNull();
    expect(stringSerde.deserialize(null, 't')).toBeNull();
  });

  it('requiredStringSerde refuses a null with a DeserializationError', () => {
    expect(requiredStringSerde.deserialize(Buffer.from('k'), 't')).toBe('k');
    expect(() => requiredStringSerde.deserialize(null, 't')).toThrow(DeserializationError);
  });

  it('bytesSerde passes bytes through untouched', () => {
    const b = Buffer.from([0, 1, 255]);
    expect(bytesSerde.serialize(b, 't')).toBe(b);
    expect(bytesSerde.deserialize(b, 't')).toBe(b);
    expect(bytesSerde.deserialize(null, 't')).toBeNull();
  });
});
