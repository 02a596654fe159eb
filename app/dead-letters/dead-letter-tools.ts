/**
 * The dead-letter tools behind `tempstream dlq` and the API's /api/dead-letters: list, show, and
 * re-drive (copy the original record back to its source topic, once).
 */
import type { Kafka, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import { dlqTopicFor, TOPICS } from '../../schemas/index.js';
import { positionKey, RedriveStore, type DeadLetterPosition, type RedriveRecord } from '../../sinks/index.js';
import { errorMessage, type AvroRegistryClient, type Logger } from '../../topology/index.js';
import type { DeadLetter } from './dead-letter.js';
import { failedAtMs, matchesDeadLetter, type DeadLetterFilter } from './dead-letter-filter.js';
import { partitionEnds, readRanges, wholeTopics, type PartitionRange, type ReadOptions } from './dlq-reader.js';
import { valueDecoder, type DecodedValue, type ValueDecoder } from './value-decoder.js';

/** The pipeline's DLQ topics, and the source topic each one serves. */
export const DLQ_SOURCES: ReadonlyMap<string, string> = new Map([TOPICS.readings, TOPICS.readingsJson, TOPICS.alerts].map((t) => [dlqTopicFor(t), t]));
export const DLQ_TOPICS: readonly string[] = [...DLQ_SOURCES.keys()];

export interface DeadLetterView extends DeadLetter {
  /** Undefined when there is no value or no known format for its source topic. */
  readonly decoded?: DecodedValue;
  /** Set when it was re-driven before. */
  readonly redrive?: RedriveRecord;
}

export interface DeadLetterList {
  /** Matching dead letters, oldest failure first. */
  readonly letters: DeadLetterView[];
  /** How many dead letters were read to find them. */
  readonly scanned: number;
  /** False when the read stopped at its record or time limit: there may be more. */
  readonly complete: boolean;
}

export type RedriveOutcome = 'redriven' | 'already-redriven' | 'not-found' | 'refused' | 'failed';

export interface RedriveResult {
  readonly position: DeadLetterPosition;
  readonly outcome: RedriveOutcome;
  readonly sourceTopic?: string;
  /** Why refused or failed. */
  readonly detail?: string;
  /** The earlier re-drive, for 'already-redriven'. */
  readonly previous?: RedriveRecord;
}

export interface RedriveRequest {
  /** These dead letters; or, without positions, every one matching `filter`. */
  readonly positions?: readonly DeadLetterPosition[];
  readonly filter?: DeadLetterFilter;
  /** Who asks: recorded with each re-drive. */
  readonly by: string;
}

export interface DeadLetterToolsDeps {
  readonly kafka: Kafka;
  readonly registry: AvroRegistryClient;
  readonly knex: Knex;
  readonly logger: Logger;
  /** Default: the pipeline's three DLQs. */
  readonly topics?: readonly string[];
  readonly clock?: () => number;
}

export class DeadLetterTools {
  private readonly store: RedriveStore;
  private readonly decode: ValueDecoder;
  private readonly topics: readonly string[];
  private readonly now: () => number;
  private producer: Promise<Producer> | undefined;

  constructor(private readonly deps: DeadLetterToolsDeps) {
    this.store = new RedriveStore(deps.knex);
    this.decode = valueDecoder(deps.registry);
    this.topics = deps.topics ?? DLQ_TOPICS;
    this.now = deps.clock ?? Date.now;
  }

  /** Whether a topic is one of the DLQs these tools read (positions from users are checked with it). */
  isDlqTopic(topic: string): boolean {
    return this.topics.includes(topic);
  }

  /** The DLQs from their beginning to their current end, filtered; at most `maxRecords` read. */
  async list(filter: DeadLetterFilter = {}, options: ReadOptions & { topics?: readonly string[] } = {}): Promise<DeadLetterList> {
    const topics = (options.topics ?? this.topics).filter((t) => this.isDlqTopic(t));
    const found: DeadLetter[] = [];
    let scanned = 0;
    const outcome = await readRanges(
      this.deps.kafka,
      await wholeTopics(this.deps.kafka, topics),
      (letter) => {
        scanned++;
        if (matchesDeadLetter(filter, letter)) found.push(letter);
      },
      options,
    );
    found.sort(
      (a, b) =>
        failedAtMs(a) - failedAtMs(b) ||
        a.position.topic.localeCompare(b.position.topic) ||
        a.position.partition - b.position.partition ||
        compareOffsets(a.position.offset, b.position.offset),
    );
    return { letters: await this.views(found), scanned, complete: outcome.complete };
  }

  /** One dead letter, or undefined when that position holds none (or is not in a DLQ). */
  async show(position: DeadLetterPosition): Promise<DeadLetterView | undefined> {
    const [letter] = (await this.fetch([position])).values();
    if (!letter) return undefined;
    const [view] = await this.views([letter]);
    return view;
  }

  /**
   * Copies each chosen dead letter's original key, value and headers (no dlq.* header) to the topic
   * it came from, once: a dead letter re-driven before is reported 'already-redriven' and not sent.
   */
  async redrive(request: RedriveRequest): Promise<RedriveResult[]> {
    let letters: Map<string, DeadLetter>;
    const results: RedriveResult[] = [];
    if (request.positions) {
      const positions = request.positions.filter((p) => {
        if (this.isDlqTopic(p.topic)) return true;
        results.push({ position: p, outcome: 'refused', detail: `${p.topic} is not a dead-letter topic` });
        return false;
      });
      letters = await this.fetch(positions);
      for (const p of positions) if (!letters.has(positionKey(p))) results.push({ position: p, outcome: 'not-found' });
    } else {
      const listed = await this.list(request.filter ?? {});
      letters = new Map(listed.letters.map((l) => [positionKey(l.position), l]));
    }
    for (const letter of letters.values()) results.push(await this.redriveOne(letter, request.by));
    return results;
  }

  async close(): Promise<void> {
    if (this.producer) await (await this.producer).disconnect().catch(() => undefined);
  }

  private async redriveOne(letter: DeadLetter, by: string): Promise<RedriveResult> {
    const { position, reason } = letter;
    const expectedSource = DLQ_SOURCES.get(position.topic);
    const sourceTopic = reason.sourceTopic;
    // The target comes from a header anyone who can write the DLQ could set: only the DLQ's own source.
    if (sourceTopic === undefined || (expectedSource !== undefined && sourceTopic !== expectedSource) || dlqTopicFor(sourceTopic) !== position.topic) {
      return { position, outcome: 'refused', sourceTopic, detail: `its source topic (${sourceTopic ?? 'none'}) is not the one ${position.topic} serves` };
    }
    if (reason.valueOmitted) return { position, outcome: 'refused', sourceTopic, detail: 'its value was left out of the DLQ for size: nothing to re-drive' };
    const claim = await this.store.claim({
      deadLetter: position,
      source: { topic: sourceTopic, partition: reason.sourcePartition, offset: reason.sourceOffset },
      by,
      atMs: this.now(),
    });
    if (!claim.claimed) return { position, outcome: 'already-redriven', sourceTopic, previous: claim.existing };
    try {
      const producer = await this.connectedProducer();
      await producer.send({
        topic: sourceTopic,
        acks: -1,
        messages: [{ key: letter.key, value: letter.value, headers: { ...letter.originalHeaders }, timestamp: String(letter.timestamp) }],
      });
    } catch (err) {
      await this.store.release(position).catch(() => undefined);
      const detail = errorMessage(err);
      this.deps.logger.warn({ position, err: detail }, 're-drive failed');
      return { position, outcome: 'failed', sourceTopic, detail };
    }
    await this.store.markProduced(position, this.now());
    this.deps.logger.info({ position, sourceTopic, by }, 'dead letter re-driven');
    return { position, outcome: 'redriven', sourceTopic };
  }

  private connectedProducer(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = this.deps.kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      return producer;
    })().catch((err: unknown) => {
      this.producer = undefined;
      throw err;
    });
    return this.producer;
  }

  /** The dead letters at these positions, keyed by positionKey; positions past a partition's end are absent. */
  private async fetch(positions: readonly DeadLetterPosition[]): Promise<Map<string, DeadLetter>> {
    const wanted = new Set(positions.map(positionKey));
    const byPartition = new Map<string, bigint[]>();
    for (const p of positions) {
      if (!/^\d+$/.test(p.offset) || !this.isDlqTopic(p.topic)) continue;
      const key = `${p.topic}/${p.partition}`;
      byPartition.set(key, [...(byPartition.get(key) ?? []), BigInt(p.offset)]);
    }
    const ends = await partitionEnds(
      this.deps.kafka,
      [...new Set(positions.map((p) => p.topic))].filter((t) => this.isDlqTopic(t)),
    );
    const ranges: PartitionRange[] = [];
    for (const end of ends) {
      const offsets = byPartition.get(`${end.topic}/${end.partition}`)?.filter((o) => o >= end.low && o < end.high);
      if (!offsets || offsets.length === 0) continue;
      const from = offsets.reduce((a, b) => (b < a ? b : a));
      const last = offsets.reduce((a, b) => (b > a ? b : a));
      ranges.push({ topic: end.topic, partition: end.partition, from, to: last + 1n });
    }
    const found = new Map<string, DeadLetter>();
    await readRanges(this.deps.kafka, ranges, (letter) => {
      const key = positionKey(letter.position);
      if (wanted.has(key)) found.set(key, letter);
    });
    return found;
  }

  private async views(letters: readonly DeadLetter[]): Promise<DeadLetterView[]> {
    const redrives = await this.store.findMany(letters.map((l) => l.position));
    const views: DeadLetterView[] = [];
    for (const letter of letters) {
      views.push({ ...letter, decoded: await this.decode(letter), redrive: redrives.get(positionKey(letter.position)) });
    }
    return views;
  }
}

function compareOffsets(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
