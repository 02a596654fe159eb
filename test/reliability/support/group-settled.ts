/**
 * Waits for a consumer group to settle after a member joined or left: Stable, with the expected
 * number of members, each owning some partition and all of them together owning every partition of
 * the topic. Returns the group's shape (state and who owns what) for the scenario's log.
 */
import { AssignerProtocol, type Admin } from 'kafkajs';
import { waitUntil } from '../../support/wait.js';

export async function groupSettled(
  admin: Admin,
  group: { groupId: string; topic: string; partitions: number },
  members: number,
  what: string,
  timeoutMs = 120_000,
): Promise<string> {
  let shape = '';
  await waitUntil(
    async () => {
      const { groups } = await admin.describeGroups([group.groupId]);
      const found = groups[0];
      const owned = (found?.members ?? []).map((m) => ({
        who: m.clientId,
        partitions: (AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[group.topic] ?? []).sort((a, b) => a - b),
      }));
      shape = `${found?.state} ${owned.map((o) => `${o.who}[${o.partitions.join(',')}]`).join(' ')}`;
      const covered = new Set(owned.flatMap((o) => o.partitions)).size === group.partitions;
      return { done: found?.state === 'Stable' && owned.length === members && covered && owned.every((o) => o.partitions.length > 0), state: shape };
    },
    { what, timeoutMs, intervalMs: 500 },
  );
  return shape;
}
