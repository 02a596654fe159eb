/**
 * The record of dead letters re-driven (table `dead_letter_redrive`). A re-drive first claims the
 * dead letter's position, then produces, then marks it produced: a claim already produced means
 * "done before", a claim never marked produced (a crash in between) may be produced again, which the
 * tables' natural keys make harmless.
 */
import type { Knex } from 'knex';
import { resultHeaderOf } from './insert-ignore.js';
import { fromMysqlDatetime, toMysqlDatetime } from './mysql-datetime.js';

export const REDRIVE_TABLE = 'dead_letter_redrive';

export interface DeadLetterPosition {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit: kept as decimal text. */
  readonly offset: string;
}

export interface RedriveClaim {
  readonly deadLetter: DeadLetterPosition;
  readonly source: { readonly topic: string; readonly partition?: number; readonly offset?: string };
  /** Who asked: the API token's name, or "cli". */
  readonly by: string;
  readonly atMs: number;
}

export interface RedriveRecord {
  readonly deadLetter: DeadLetterPosition;
  readonly sourceTopic: string;
  readonly by: string;
  /** ISO-8601 UTC. */
  readonly redrivenAt: string;
  /** ISO-8601 UTC; undefined while the copy is not acknowledged. */
  readonly producedAt?: string;
}

interface RedriveRow {
  dlq_topic: string;
  dlq_partition: number;
  dlq_offset: string;
  source_topic: string;
  redriven_by: string;
  redriven_at: string;
  produced_at: string | null;
}

/** 'claimed': this call made the claim and should produce; otherwise the claim found. */
export type ClaimOutcome = { readonly claimed: true } | { readonly claimed: false; readonly existing: RedriveRecord };

export class RedriveStore {
  constructor(private readonly knex: Knex) {}

  /** Claims the dead letter's position; a claim never produced counts as this call's to finish. */
  async claim(claim: RedriveClaim): Promise<ClaimOutcome> {
    const { deadLetter: d, source } = claim;
    const header = resultHeaderOf(
      await this.knex.raw(
        'INSERT IGNORE INTO ?? (dlq_topic, dlq_partition, dlq_offset, source_topic, source_partition, source_offset, redriven_by, redriven_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [REDRIVE_TABLE, d.topic, d.partition, d.offset, source.topic, source.partition ?? null, source.offset ?? null, claim.by, toMysqlDatetime(claim.atMs)],
      ),
    );
    if (header.affectedRows === 1) return { claimed: true };
    const existing = await this.find(d);
    if (!existing) return this.claim(claim); // released in between: try again
    if (existing.producedAt === undefined) return { claimed: true };
    return { claimed: false, existing };
  }

  async markProduced(position: DeadLetterPosition, atMs: number): Promise<void> {
    await this.wherePosition(position).update({ produced_at: toMysqlDatetime(atMs) });
  }

  /** Gives up a claim whose copy failed, so the next re-drive tries again. */
  async release(position: DeadLetterPosition): Promise<void> {
    await this.wherePosition(position).whereNull('produced_at').delete();
  }

  async find(position: DeadLetterPosition): Promise<RedriveRecord | undefined> {
    const row = (await this.wherePosition(position).first()) as RedriveRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** The re-drives of these positions, keyed `topic/partition/offset`. */
  async findMany(positions: readonly DeadLetterPosition[]): Promise<Map<string, RedriveRecord>> {
    const found = new Map<string, RedriveRecord>();
    if (positions.length === 0) return found;
    const rows = (await this.knex(REDRIVE_TABLE).whereIn(
      ['dlq_topic', 'dlq_partition', 'dlq_offset'],
      positions.map((p) => [p.topic, p.partition, p.offset]),
    )) as RedriveRow[];
    for (const row of rows) {
      const record = toRecord(row);
      found.set(positionKey(record.deadLetter), record);
    }
    return found;
  }

  private wherePosition(p: DeadLetterPosition): Knex.QueryBuilder {
    return this.knex(REDRIVE_TABLE).where({ dlq_topic: p.topic, dlq_partition: p.partition, dlq_offset: p.offset });
  }
}

export const positionKey = (p: DeadLetterPosition): string => `${p.topic}/${p.partition}/${p.offset}`;

function toRecord(row: RedriveRow): RedriveRecord {
  return {
    deadLetter: { topic: row.dlq_topic, partition: Number(row.dlq_partition), offset: String(row.dlq_offset) },
    sourceTopic: row.source_topic,
    by: row.redriven_by,
    redrivenAt: new Date(fromMysqlDatetime(row.redriven_at)).toISOString(),
    producedAt: row.produced_at === null ? undefined : new Date(fromMysqlDatetime(row.produced_at)).toISOString(),
  };
}
