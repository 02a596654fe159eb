import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ChangelogReadInterrupted } from './changelog-restorer.js';
import { KafkaChangelogSource } from './kafka-changelog-source.js';

/**
 * A KafkaJS stand-in whose consumer cannot join its group: run() reports a crash (as KafkaJS does when
 * the join fails for good) and returns, and the seek after it is refused.
 */
function kafkaWhoseConsumerCannotJoin(restart: boolean) {
  const disconnected: string[] = [];
  const kafka = {
    consumer: ({ groupId }: { groupId: string }) => {
      const listeners = new Map<string, (event: { payload: { error: Error; restart: boolean } }) => void>();
      return {
        events: { CRASH: 'crash', END_BATCH_PROCESS: 'end_batch_process' },
        on: (event: string, listener: (event: { payload: { error: Error; restart: boolean } }) => void) => void listeners.set(event, listener),
        connect: () => Promise.resolve(),
        subscribe: () => Promise.resolve(),
        run: () => {
          listeners.get('crash')?.({ payload: { error: new Error('This is not the correct coordinator for this group'), restart } });
          return Promise.resolve();
        },
        seek: () => {
          throw new Error('Consumer group was not initialized, consumer#run must be called first');
        },
        disconnect: () => (disconnected.push(groupId), Promise.resolve()),
      };
    },
  } as unknown as Kafka;
  return { kafka, disconnected };
}

async function readAll(source: KafkaChangelogSource): Promise<unknown> {
  try {
    for await (const chunk of source.read('app-store-changelog', 3, 0n, new AbortController().signal)) void chunk;
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('KafkaChangelogSource', () => {
  it.each([true, false])(
    'reports a consumer that could not join its group (crash with restart %s) as an interrupted read, which the restorer reads again, and disconnects it',
    async (restart) => {
      const { kafka, disconnected } = kafkaWhoseConsumerCannotJoin(restart);
      const error = await readAll(new KafkaChangelogSource(kafka, { groupIdPrefix: 'app-restore' }));
      expect(error).toBeInstanceOf(ChangelogReadInterrupted);
      expect((error as Error).message).toMatch(/app-store-changelog\[3\].*not the correct coordinator/);
      expect(disconnected).toHaveLength(1);
    },
  );
});
