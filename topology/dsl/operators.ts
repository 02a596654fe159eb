import { Observable, type OperatorFunction, type Subscriber } from 'rxjs';
import { classify, ValidationError } from '../errors.js';
import type { HeaderMap, StreamRecord } from '../records.js';
import type { Envelope } from './graph.js';

/**
 * The DSL's operators, each a pure RxJS operator over envelopes. A throw in user code does not end
 * the stream: the record's ticket is failed (to the DLQ, by policy) and the next record goes on.
 */

/**
 * The one subscribe/error/complete shape of every operator: `onSubscribe` runs once per subscription
 * (for per-subscription state) and returns what to do with each envelope; errors and completion pass through.
 */
function envelopeOperator<In, Out>(onSubscribe: (subscriber: Subscriber<Out>) => (env: In) => void): OperatorFunction<In, Out> {
  return (source) =>
    new Observable<Out>((subscriber) =>
      source.subscribe({
        next: onSubscribe(subscriber),
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}

function recordOperator<K, V, K2, V2>(
  node: string,
  step: (env: Envelope<K, V>, emit: (record: StreamRecord<K2, V2>) => void) => void,
): OperatorFunction<Envelope<K, V>, Envelope<K2, V2>> {
  return envelopeOperator<Envelope<K, V>, Envelope<K2, V2>>((subscriber) => {
    // One buffer and one emit per subscription, not per record: this runs for every record at every node.
    // The buffer keeps its length (emptied slot by slot): `length = 0` would free its backing store,
    // and the next record's push allocate a new one.
    const out: (StreamRecord<K2, V2> | undefined)[] = [];
    let count = 0;
    const emit = (record: StreamRecord<K2, V2>) => {
      out[count++] = record;
    };
    return (env) => {
      count = 0;
      // try/catch inline, not a helper taking a closure: this runs for every record at every node.
      try {
        step(env, emit);
      } catch (err) {
        for (let i = 0; i < count; i++) out[i] = undefined;
        env.ticket.fail(classify(err), node);
        return;
      }
      // Emitted outside the try: a downstream failure belongs to the downstream node. Taken out of
      // the buffer first, since a graph is acyclic but its operators may be subscribed more than once.
      // A record passed on unchanged (filter, validate, peek) keeps its envelope: envelopes are never changed.
      if (count === 1) {
        const record = out[0]!;
        out[0] = undefined;
        count = 0;
        subscriber.next((record as unknown) === env.record ? (env as unknown as Envelope<K2, V2>) : { record, ticket: env.ticket });
      } else {
        const records = out.slice(0, count) as StreamRecord<K2, V2>[];
        for (let i = 0; i < count; i++) out[i] = undefined;
        count = 0;
        for (const record of records) subscriber.next({ record, ticket: env.ticket });
      }
    };
  });
}

export interface KeyValue<K, V> {
  readonly key: K;
  readonly value: V;
  readonly headers?: HeaderMap;
  readonly timestamp?: number;
}

const withKeyValue = <K, V, K2, V2>(r: StreamRecord<K, V>, kv: KeyValue<K2, V2>): StreamRecord<K2, V2> => ({
  key: kv.key,
  value: kv.value,
  headers: kv.headers ?? r.headers,
  timestamp: kv.timestamp ?? r.timestamp,
  source: r.source,
});

export const mapRecords = <K, V, K2, V2>(node: string, fn: (r: StreamRecord<K, V>) => KeyValue<K2, V2>) =>
  recordOperator<K, V, K2, V2>(node, (env, emit) => emit(withKeyValue(env.record, fn(env.record))));

export const mapRecordValues = <K, V, V2>(node: string, fn: (value: V, r: StreamRecord<K, V>) => V2) =>
  recordOperator<K, V, K, V2>(node, (env, emit) => emit({ ...env.record, value: fn(env.record.value, env.record) }));

export const filterRecords = <K, V>(node: string, predicate: (r: StreamRecord<K, V>) => boolean) =>
  recordOperator<K, V, K, V>(node, (env, emit) => {
    if (predicate(env.record)) emit(env.record);
  });

export const flatMapRecords = <K, V, K2, V2>(node: string, fn: (r: StreamRecord<K, V>) => Iterable<KeyValue<K2, V2>>) =>
  recordOperator<K, V, K2, V2>(node, (env, emit) => {
    for (const kv of fn(env.record)) emit(withKeyValue(env.record, kv));
  });

export const peekRecords = <K, V>(node: string, fn: (r: StreamRecord<K, V>) => void) =>
  recordOperator<K, V, K, V>(node, (env, emit) => {
    fn(env.record);
    emit(env.record);
  });

/** A broken rule: its name (for the DLQ header and for people) and why. */
export interface Violation {
  readonly rule: string;
  readonly message: string;
}

/** Passes a record on only if `check` finds no violation; otherwise fails it as a validation error. */
export const validateRecords = <K, V>(node: string, check: (r: StreamRecord<K, V>) => Violation | undefined) =>
  recordOperator<K, V, K, V>(node, (env, emit) => {
    const violation = check(env.record);
    if (violation) throw new ValidationError(violation.rule, violation.message);
    emit(env.record);
  });

export interface RoutedEnvelope<K, V> extends Envelope<K, V> {
  readonly branch: number;
}

/**
 * Tags each record with the index of the first predicate it matches (Kafka Streams' `split()`:
 * first match wins), `predicates.length` for the default branch; drops it when none matches and there
 * is no default.
 */
export const routeRecords = <K, V>(
  node: string,
  predicates: readonly ((r: StreamRecord<K, V>) => boolean)[],
  hasDefault: boolean,
): OperatorFunction<Envelope<K, V>, RoutedEnvelope<K, V>> =>
  envelopeOperator<Envelope<K, V>, RoutedEnvelope<K, V>>((subscriber) => (env) => {
    let index = -1;
    try {
      // A loop, not findIndex with a closure: this runs for every record.
      for (let i = 0; i < predicates.length; i++) {
        if (predicates[i]!(env.record)) {
          index = i;
          break;
        }
      }
    } catch (err) {
      env.ticket.fail(classify(err), node);
      return;
    }
    const branch = index >= 0 ? index : hasDefault ? predicates.length : -1;
    if (branch >= 0) subscriber.next({ record: env.record, ticket: env.ticket, branch });
  });
