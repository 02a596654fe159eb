/** The values of a raw @platformatic/kafka fetch response, as the raw-fetch consume ceiling reads them. */
import { IS_CONTROL, type fetchV17 } from '@platformatic/kafka';

/**
 * Hands over every record value at or past each partition's next offset (`next`), in order, and
 * moves that offset past the partition's last batch. Control batches (transaction markers) carry
 * no values but are stepped over; a partition's error code stops everything.
 */
export function eachFetchedValue(response: fetchV17.FetchResponse, next: Map<number, bigint>, onValue: (value: Buffer | null) => void): void {
  for (const topicResponse of response.responses) {
    for (const partition of topicResponse.partitions) {
      if (partition.errorCode !== 0) throw new Error(`fetch error ${partition.errorCode} on partition ${partition.partitionIndex}`);
      const from = next.get(partition.partitionIndex) ?? 0n;
      for (const batch of partition.records ?? []) {
        next.set(partition.partitionIndex, batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n);
        if (batch.attributes & IS_CONTROL) continue;
        // A batch can begin before the offset asked for: its earlier records were read already.
        const skipsSome = batch.firstOffset < from;
        for (const record of batch.records) {
          if (skipsSome && batch.firstOffset + BigInt(record.offsetDelta) < from) continue;
          onValue(record.value);
        }
      }
    }
  }
}
