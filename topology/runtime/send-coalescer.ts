/**
 * Gathers the sends made while a request is in flight into the next request, as Kafka's own producer
 * drains every ready batch for a broker into one produce request. A KafkaJS idempotent producer has a
 * single request in flight, so without this a sink's write that finds another sink's request in flight
 * waits for it and then makes a request of its own (15–23 % of the output sends found one in flight in
 * the bench, at 5,000 records/s and at full speed).
 *
 * Invariants (property-tested):
 * - a send settles with its own outcome: when a request of several sends fails for a record's fault
 *   (too large, invalid), each of them is sent again alone, so one topic's refused record never fails
 *   another topic's send; a failure of the destination (a broker away) fails them all as it is, each
 *   caller retrying its own as it would have;
 * - sends of one topic go out in the order they were made, and a request holds at most one send per
 *   topic (a sink's batch is sized for one request; two of them together could pass the broker's cap);
 * - at most one request is in flight.
 */

/** One topic's messages, as one caller handed them over. */
export interface TopicSend<M> {
  readonly topic: string;
  readonly messages: readonly M[];
}

interface Waiting<M> extends TopicSend<M> {
  resolve(): void;
  reject(error: unknown): void;
}

export class SendCoalescer<M> {
  private readonly waiting: Waiting<M>[] = [];
  private busy = false;

  /**
   * `sendAll` sends every topic's messages in one request and resolves once all are acknowledged;
   * `isRecordFault` tells a failure that may belong to one send's records from one of the destination.
   */
  constructor(
    private readonly sendAll: (sends: readonly TopicSend<M>[]) => Promise<void>,
    private readonly isRecordFault: (error: unknown) => boolean,
  ) {}

  send(topic: string, messages: readonly M[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ topic, messages, resolve, reject });
      if (!this.busy) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.waiting.length > 0) await this.sendOne(this.takeRequest());
    } finally {
      this.busy = false;
    }
  }

  /** The oldest waiting send of each topic, in the order made; later ones of a taken topic stay for the next request. */
  private takeRequest(): Waiting<M>[] {
    const taken: Waiting<M>[] = [];
    const topics = new Set<string>();
    let kept = 0;
    for (const send of this.waiting) {
      if (topics.has(send.topic)) this.waiting[kept++] = send;
      else {
        topics.add(send.topic);
        taken.push(send);
      }
    }
    this.waiting.length = kept;
    return taken;
  }

  private async sendOne(request: Waiting<M>[]): Promise<void> {
    try {
      await this.sendAll(request);
      for (const send of request) send.resolve();
      return;
    } catch (error) {
      if (request.length === 1 || !this.isRecordFault(error)) {
        for (const send of request) send.reject(error);
        return;
      }
    }
    // Which send the failure belongs to is not known: each is tried again alone and settles with its own outcome.
    for (const send of request) {
      try {
        await this.sendAll([send]);
        send.resolve();
      } catch (error) {
        send.reject(error);
      }
    }
  }
}
