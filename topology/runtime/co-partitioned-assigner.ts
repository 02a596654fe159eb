/**
 * A KafkaJS partition assigner that gives partition p of every input topic to the same member, as
 * Kafka Streams' assignor does for co-partitioned topics: a task's state (its stores, by partition
 * number) is then whole on one instance. Partition numbers go round-robin over the members sorted by
 * id, so every member computes the same plan.
 */
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

const NAME = 'TempstreamCoPartitioned';

export const coPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: NAME,
  version: 1,
  protocol: ({ topics }) => ({ name: NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) }),
  assign: ({ members, topics }) => {
    const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
    const plan = new Map<string, Record<string, number[]>>(sorted.map((m) => [m.memberId, {}]));
    for (const topic of topics) {
      const partitions = cluster
        .findTopicPartitionMetadata(topic)
        .map((p) => p.partitionId)
        .sort((a, b) => a - b);
      for (const partition of partitions) {
        const member = sorted[partition % sorted.length]!;
        (plan.get(member.memberId)![topic] ??= []).push(partition);
      }
    }
    return Promise.resolve(
      sorted.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: plan.get(m.memberId)!, userData: Buffer.alloc(0) }),
      })),
    );
  },
});
