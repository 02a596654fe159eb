import { describe, expect, it } from 'vitest';
import type { Serde } from '../serdes/serde.js';
import { KeyBytesMemo, sharedKeyBytes } from './key-bytes-memo.js';
import { InMemoryKeyValueStore } from './key-value-store.js';
import { RecordingChangeLogger } from './change-logger.js';

/** A key serde that counts its calls. */
function countingSerde<K>(encode: (key: K) => string | null) {
  const serde = {
    calls: 0,
    name: 'counting',
    serialize: (key: K) => {
      serde.calls++;
      const text = encode(key);
      return text === null ? null : Buffer.from(text);
    },
    deserialize: () => {
      throw new Error('not used');
    },
  };
  return serde satisfies Serde<K>;
}

describe('KeyBytesMemo', () => {
  it('serializes a primitive key once for calls in a row, and again for another key', () => {
    const serde = countingSerde<string>((k) => k);
    const memo = new KeyBytesMemo('s', serde, 'topic');
    const first = memo.bytesOf('a');
    expect(memo.bytesOf('a')).toBe(first);
    expect(serde.calls).toBe(1);
    expect(memo.bytesOf('b')).toEqual(Buffer.from('b'));
    expect(memo.bytesOf('a')).toEqual(Buffer.from('a'));
    expect(serde.calls).toBe(3);
    expect(memo.byteKeyOf(memo.bytesOf('a') as Buffer)).toBe('a');
  });

  it('serializes an object key every time: it may have been changed in between', () => {
    const serde = countingSerde<{ id: string }>((k) => k.id);
    const memo = new KeyBytesMemo('s', serde, 'topic');
    const key = { id: 'a' };
    expect(memo.bytesOf(key)).toEqual(Buffer.from('a'));
    key.id = 'b';
    expect(memo.bytesOf(key)).toEqual(Buffer.from('b'));
    expect(serde.calls).toBe(2);
  });

  it('refuses a key that serializes to null, and remembers nothing for it', () => {
    const serde = countingSerde<string>(() => null);
    const memo = new KeyBytesMemo('s', serde, 'topic');
    expect(() => memo.bytesOf('a')).toThrow(/store s: a key must serialize to bytes/);
    expect(() => memo.bytesOf('a')).toThrow(/must serialize/);
  });

  it('shares one memory among the stores of a task for a topic-independent serializer, and only for one', async () => {
    for (const topicIndependent of [true, false]) {
      const serde = Object.assign(
        countingSerde<string>((k) => k),
        { topicIndependent },
      );
      const context = { changeLogger: new RecordingChangeLogger(), recordTimestamp: () => 0, sharedKeyBytes: sharedKeyBytes() };
      const valueSerde: Serde<string> = { name: 'v', serialize: (v) => Buffer.from(v), deserialize: (b) => b!.toString() };
      const stores = ['a', 'b', 'c'].map(
        (name) => new InMemoryKeyValueStore<string, string>({ name, changelogTopic: `app-${name}-changelog`, keySerde: serde, valueSerde, context }),
      );
      for (const store of stores) {
        expect(await store.get('key-1')).toBeUndefined();
        await store.put('key-1', `seen by ${store.name}`);
      }
      // Three stores, one key: serialized once when the bytes cannot depend on the changelog topic.
      expect(serde.calls).toBe(topicIndependent ? 1 : 3);
      for (const store of stores) expect(await store.get('key-1')).toBe(`seen by ${store.name}`);
      await stores[0]!.put('key-2', 'x');
      expect(await stores[1]!.get('key-2')).toBeUndefined();
      expect(context.changeLogger.changes.map((c) => c.key.toString())).toEqual(['key-1', 'key-1', 'key-1', 'key-2']);
    }
  });
});
