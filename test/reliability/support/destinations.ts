/**
 * The reliability suite's destination check: for every record the load generator produced, where it
 * ended up. A reading the table can hold must be in `temperature` exactly once and nowhere in the DLQ;
 * a bad record must be in its DLQ (with the reason in its headers) and not in the table; a reading
 * beyond a limit must have at least one TempRangeAlert. Lost, misrouted and duplicated records are
 * counted, the counts are recorded for docs/reliability.md, and `expectAccounted` fails with examples.
 *
 * Mid-run, `checkCommittedSample` holds a group's committed offsets against the destinations: every
 * record below a committed offset must already have reached its destination.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type avro from 'avsc';
import type { Admin, Kafka } from 'kafkajs';
import type { Knex } from 'knex';
import { expect } from 'vitest';
import { TOPICS, dlqTopicFor, tempRangeAlertSchema, type TempRangeAlert } from '../../../schemas/index.js';
import { fromMysqlDatetime } from '../../../sinks/index.js';
import { avroRegistrySerde, errorMessage, readDlqHeaders, type AvroRegistryClient } from '../../../topology/index.js';
import { TopicCollector, committedOffsets, type CollectedMessage } from '../../support/kafka-probes.js';
import { uniqueName } from '../../support/names.js';
import { bytesIdentity, readingRowIdentity, rowIdentity, type ProducedRecord } from './load.js';
import { MODE } from './mode.js';

/** What the destinations hold at the end of a scenario. */
export interface Observed {
  /** Rows of `temperature` by `device_id \0 reading_time`: how many, and when the sink wrote them. */
  readonly rows: ReadonlyMap<string, { readonly count: number; readonly receivedAt: number }>;
  readonly rowTotal: number;
  readonly deadLetters: readonly CollectedMessage[];
  readonly alerts: readonly TempRangeAlert[];
}

export interface DestinationEnv {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly registry: AvroRegistryClient;
  readonly knex: Knex;
  /** Input topics read (their DLQs are collected). Default: temperature-readings. */
  readonly inputs?: readonly string[];
}

/** Reads the table and, with a fresh consumer from the beginning, the DLQs and the alert topic to their current end. */
export async function observe(env: DestinationEnv, timeoutMs = 60_000): Promise<Observed> {
  const rows = await readRows(env.knex);
  const dlqs = (env.inputs ?? [TOPICS.readings]).map(dlqTopicFor);
  const collector = await TopicCollector.start(env.kafka, { groupId: uniqueName('reliability_observer'), topics: [...dlqs, TOPICS.alerts] });
  try {
    await collector.caughtUp(env.admin, timeoutMs);
  } finally {
    await collector.stop();
  }
  const serde = avroRegistrySerde<TempRangeAlert>({ registry: env.registry, schema: tempRangeAlertSchema as avro.Schema });
  const alerts: TempRangeAlert[] = [];
  for (const m of collector.of(TOPICS.alerts)) alerts.push(await serde.deserialize(m.value, TOPICS.alerts));
  return { ...rows, deadLetters: dlqs.flatMap((t) => collector.of(t)), alerts };
}

/** Rows grouped by the table's unique key: a count above 1 would be a reading stored twice. */
export async function readRows(knex: Knex): Promise<Pick<Observed, 'rows' | 'rowTotal'>> {
  const grouped = await knex
    .select<{ device_id: string; reading_time: string; n: number | string; received_at: string }[]>(
      'device_id',
      'reading_time',
      knex.raw('COUNT(*) AS n'),
      knex.raw('MIN(received_at) AS received_at'),
    )
    .from('temperature')
    .groupBy('device_id', 'reading_time');
  const [total] = await knex('temperature').count<{ n: number | string }[]>({ n: '*' });
  return {
    rows: new Map(grouped.map((r) => [rowIdentity(r.device_id, r.reading_time), { count: Number(r.n), receivedAt: fromMysqlDatetime(r.received_at) }])),
    rowTotal: Number(total?.n ?? 0),
  };
}

/** The counts docs/reliability.md reports, per scenario. */
export interface Counts {
  readonly produced: number;
  /** Distinct produced readings found in the table. */
  readonly stored: number;
  /** Distinct produced records found in a DLQ (and not in the table). stored + dlq + lost + misrouted = produced. */
  readonly dlq: number;
  /** Produced, found nowhere. */
  readonly lost: number;
  /** Found in the wrong destination, or in both. */
  readonly misrouted: number;
  /** Rows beyond the first per unique key (the UNIQUE key makes this impossible), plus rows of no produced reading. */
  readonly storedTwice: number;
  readonly foreignRows: number;
  /** Dead letters beyond the first per record (at-least-once redelivery), plus dead letters of no produced record. */
  readonly dlqDuplicates: number;
  readonly foreignDeadLetters: number;
  /** A dead letter whose headers do not carry the expected error class, rule, node or source. */
  readonly wrongReason: number;
  readonly alertReadings: number;
  /** Alert readings with at least one alert of the right direction. */
  readonly alerted: number;
  readonly missingAlerts: number;
  /** Alerts beyond the first per reading (redelivery). */
  readonly alertDuplicates: number;
  /** Alerts for a reading that should raise none, or of the wrong direction. */
  readonly unexpectedAlerts: number;
  /** Records the generator had to send again (they may be in the topic twice). */
  readonly resent: number;
}

export interface Accounting {
  readonly counts: Counts;
  /** Every problem, with up to five examples each. */
  readonly problems: readonly string[];
}

/** Follows every produced record to its destination. */
export function account(produced: readonly ProducedRecord[], observed: Observed): Accounting {
  const examples = new Map<string, string[]>();
  const problem = (kind: string, example: string) => {
    const list = examples.get(kind) ?? [];
    list.push(example);
    examples.set(kind, list);
  };
  const lettersById = new Map<string, CollectedMessage[]>();
  for (const m of observed.deadLetters) {
    const id = bytesIdentity(m.key, m.value);
    const list = lettersById.get(id) ?? [];
    list.push(m);
    lettersById.set(id, list);
  }
  const alertsByRow = new Map<string, TempRangeAlert[]>();
  for (const a of observed.alerts) {
    const id = readingRowIdentity(a.reading);
    const list = alertsByRow.get(id) ?? [];
    list.push(a);
    alertsByRow.set(id, list);
  }
  const knownRows = new Set<string>();
  const knownLetters = new Set<string>();
  const c = {
    produced: produced.length,
    stored: 0,
    dlq: 0,
    lost: 0,
    misrouted: 0,
    dlqDuplicates: 0,
    wrongReason: 0,
    alertReadings: 0,
    alerted: 0,
    missingAlerts: 0,
    alertDuplicates: 0,
    unexpectedAlerts: 0,
    resent: 0,
  };
  for (const p of produced) {
    const name = `${p.label} ${p.position ? `${p.position.topic}[${p.position.partition}]@${p.position.offset}` : '(position unknown)'} key ${JSON.stringify(p.key?.slice(0, 40))}`;
    if (p.sends > 1) c.resent++;
    const inTable = p.rowId !== undefined && observed.rows.has(p.rowId);
    if (p.rowId) knownRows.add(p.rowId);
    const letters = lettersById.get(p.bytesId) ?? [];
    knownLetters.add(p.bytesId);
    if (letters.length > 1) c.dlqDuplicates += letters.length - 1;
    if (p.fate.kind === 'stored') {
      const expectedAlert = p.fate.alert;
      if (inTable && letters.length === 0) c.stored++;
      else if (!inTable && letters.length === 0) {
        c.lost++;
        problem('lost (neither stored nor dead-lettered)', name);
      } else {
        c.misrouted++;
        problem('misrouted (a storable reading in the DLQ)', `${name}: ${letters.map((l) => JSON.stringify(readDlqHeaders(l.headers))).join(' ')}`);
      }
      const alerts = p.rowId ? (alertsByRow.get(p.rowId) ?? []) : [];
      if (expectedAlert) {
        c.alertReadings++;
        const right = alerts.filter((a) => a.direction === expectedAlert);
        if (right.length > 0) c.alerted++;
        else {
          c.missingAlerts++;
          problem('no alert for a reading beyond a limit', `${name} (${expectedAlert})`);
        }
        if (right.length > 1) c.alertDuplicates += right.length - 1;
        if (alerts.length > right.length) {
          c.unexpectedAlerts += alerts.length - right.length;
          problem('an alert of the wrong direction', name);
        }
      } else if (alerts.length > 0) {
        c.unexpectedAlerts += alerts.length;
        problem('an alert for a reading within the limits', name);
      }
    } else {
      const fate = p.fate;
      if (letters.length > 0 && !inTable) c.dlq++;
      else if (letters.length === 0 && !inTable) {
        c.lost++;
        problem('lost (neither stored nor dead-lettered)', name);
      } else {
        c.misrouted++;
        problem('misrouted (a bad record in the table)', name);
      }
      for (const letter of letters) {
        const h = readDlqHeaders(letter.headers);
        const wrong: string[] = [];
        if (h.errorClass !== fate.errorClass) wrong.push(`class ${h.errorClass} (want ${fate.errorClass})`);
        if (h.rule !== fate.rule) wrong.push(`rule ${h.rule} (want ${fate.rule})`);
        if (fate.node !== undefined && h.node !== fate.node) wrong.push(`node ${h.node} (want ${fate.node})`);
        if (fate.schemaId !== undefined && h.schemaId !== String(fate.schemaId)) wrong.push(`schema id ${h.schemaId} (want ${fate.schemaId})`);
        if (h.sourceTopic !== p.topic) wrong.push(`source ${h.sourceTopic} (want ${p.topic})`);
        if (!h.errorMessage) wrong.push('no error message');
        if (wrong.length > 0) {
          c.wrongReason++;
          problem('a dead letter with the wrong reason', `${name}: ${wrong.join(', ')}`);
        }
      }
    }
  }
  let storedTwice = 0;
  let foreignRows = 0;
  for (const [id, { count }] of observed.rows) {
    if (count > 1) {
      storedTwice += count - 1;
      problem('a reading stored twice', JSON.stringify(id));
    }
    if (!knownRows.has(id)) {
      foreignRows += count;
      problem('a row of no produced reading', JSON.stringify(id));
    }
  }
  const distinctRows = [...observed.rows.values()].reduce((n, r) => n + r.count, 0);
  if (distinctRows !== observed.rowTotal) problem('table count differs from the count by key', `${observed.rowTotal} rows, ${distinctRows} by key`);
  let foreignDeadLetters = 0;
  for (const [id, list] of lettersById) {
    if (!knownLetters.has(id)) {
      foreignDeadLetters += list.length;
      problem('a dead letter of no produced record', JSON.stringify(readDlqHeaders(list[0]!.headers)));
    }
  }
  if (c.stored + c.dlq + c.lost + c.misrouted !== c.produced) problem('produced ≠ stored + dead-lettered + lost + misrouted', JSON.stringify(c));
  const problems = [...examples].map(([kind, list]) => `${list.length} × ${kind}: ${list.slice(0, 5).join(' | ')}${list.length > 5 ? ' | …' : ''}`);
  return { counts: { ...c, storedTwice, foreignRows, foreignDeadLetters }, problems };
}

export interface AccountingExpectations {
  /** Redelivery after a crash or a rebalance re-sends dead letters and alerts (at least once): allowed and counted. */
  readonly duplicatesAllowed: boolean;
}

/** Fails with every problem when a record was lost, misrouted, stored twice or dead-lettered for the wrong reason. */
export function expectAccounted(result: Accounting, expectations: AccountingExpectations): void {
  const { counts } = result;
  expect(result.problems, `destination problems:\n${result.problems.join('\n')}`).toEqual([]);
  expect(counts.lost, 'lost records').toBe(0);
  expect(counts.misrouted, 'misrouted records').toBe(0);
  expect(counts.stored + counts.dlq, 'produced = stored + dead-lettered').toBe(counts.produced);
  expect(counts.storedTwice, 'readings stored twice').toBe(0);
  expect(counts.wrongReason, 'dead letters with the wrong reason').toBe(0);
  expect(counts.alerted, 'alert readings with an alert').toBe(counts.alertReadings);
  expect(counts.foreignRows + counts.foreignDeadLetters + counts.unexpectedAlerts, 'rows, dead letters or alerts of nothing produced').toBe(0);
  if (!expectations.duplicatesAllowed) {
    expect(counts.dlqDuplicates, 'duplicate dead letters').toBe(0);
    expect(counts.alertDuplicates, 'duplicate alerts').toBe(0);
  }
}

/** A group's committed offsets on one topic at one moment. */
export interface CommittedSample {
  readonly at: number;
  readonly offsets: ReadonlyMap<number, bigint>;
}

/** The group's committed offsets now; retried for up to 60 s while the coordinator is away or loading (after a broker restart). */
export async function sampleCommitted(admin: Admin, groupId: string, topic: string): Promise<CommittedSample> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const offsets = await committedOffsets(admin, groupId, topic);
      return { at: Date.now(), offsets };
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`could not read the committed offsets of ${groupId} for 60 s: ${errorMessage(err)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/**
 * Every produced record (with a known position) below a committed offset must have reached its
 * destination: a stored reading's row written (by the sink's clock) no later than the sample; with
 * `deadLetters`, a bad record's dead letter present: a set of the dead letters read at the sample, or
 * a map (dead letter → its create time, `deadLetterTimes`) read later, in which a dead letter made
 * after the sample does not count. Returns the violations.
 */
export function checkCommittedSample(
  sample: CommittedSample,
  produced: readonly ProducedRecord[],
  rows: Observed['rows'],
  deadLetters?: ReadonlySet<string> | ReadonlyMap<string, number>,
): string[] {
  const violations: string[] = [];
  for (const p of produced) {
    if (!p.position) continue;
    const committed = sample.offsets.get(p.position.partition);
    if (committed === undefined || BigInt(p.position.offset) >= committed) continue;
    const where = `${p.position.topic}[${p.position.partition}]@${p.position.offset} (committed ${committed} at ${new Date(sample.at).toISOString()})`;
    if (p.fate.kind === 'stored') {
      const row = p.rowId ? rows.get(p.rowId) : undefined;
      if (!row) violations.push(`${where}: committed but not stored`);
      else if (row.receivedAt > sample.at) violations.push(`${where}: committed before its row was written (${new Date(row.receivedAt).toISOString()})`);
    } else if (deadLetters && !deadLetters.has(p.bytesId)) {
      violations.push(`${where}: committed but not dead-lettered`);
    } else if (deadLetters instanceof Map) {
      const made = (deadLetters as ReadonlyMap<string, number>).get(p.bytesId);
      if (made !== undefined && made > sample.at)
        violations.push(
          `${where}: committed before its dead letter was made (${Number.isFinite(made) ? new Date(made).toISOString() : 'no failed-at header'})`,
        );
    }
  }
  return violations;
}

export const deadLetterIds = (messages: readonly CollectedMessage[]): Set<string> => new Set(messages.map((m) => bytesIdentity(m.key, m.value)));

/**
 * When each dead letter was first made (its failed-at header, stamped as the runtime routes the
 * record), by identity: to judge a sample of committed offsets later, once every dead letter is visible.
 */
export function deadLetterTimes(messages: readonly CollectedMessage[]): Map<string, number> {
  const times = new Map<string, number>();
  for (const m of messages) {
    const id = bytesIdentity(m.key, m.value);
    const failedAt = readDlqHeaders(m.headers).failedAt;
    const made = failedAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(failedAt);
    const known = times.get(id);
    if (known === undefined || made < known) times.set(id, made);
  }
  return times;
}

export interface ScenarioResult {
  readonly scenario: string;
  /** What was done how often: "5 SIGKILLs", "Kafka down 8 s, twice". */
  readonly faults: string;
  readonly load: string;
  readonly seconds: number;
  readonly counts: Counts;
  readonly notes?: readonly string[];
}

/** Where results go: $RELIABILITY_RESULTS or <tmp>/tempstream-reliability/results.jsonl, one JSON line per scenario run. */
export const RESULTS_FILE = process.env.RELIABILITY_RESULTS ?? join(tmpdir(), 'tempstream-reliability', 'results.jsonl');

/** Prints the counts and appends them to the results file for docs/reliability.md. */
export function recordResult(result: ScenarioResult): void {
  const c = result.counts;
  const line = `[reliability ${MODE}] ${result.scenario}: ${result.faults}; load ${result.load}; ${result.seconds.toFixed(0)} s — produced ${c.produced}, stored ${c.stored}, DLQ ${c.dlq}, lost ${c.lost}, misrouted ${c.misrouted}, stored twice ${c.storedTwice}, duplicate dead letters ${c.dlqDuplicates}, alerts ${c.alerted}/${c.alertReadings} (+${c.alertDuplicates} duplicates), resent ${c.resent}${result.notes?.length ? `; ${result.notes.join('; ')}` : ''}`;
  console.log(line);
  try {
    mkdirSync(join(RESULTS_FILE, '..'), { recursive: true });
    appendFileSync(RESULTS_FILE, `${JSON.stringify({ mode: MODE, at: new Date().toISOString(), ...result })}\n`);
  } catch (err) {
    console.warn(`could not append to ${RESULTS_FILE}: ${String(err)}`);
  }
}
