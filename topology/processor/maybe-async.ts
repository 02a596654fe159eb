/**
 * A result that is there at once, or a promise of it: what a store's `*Now` methods answer (a
 * promise only when a serde answers with one). A processor that chains its steps with `andThen`
 * runs a record in one synchronous step when nothing waits, which costs the runtime no promise, no
 * async function and no microtask; and still waits, in order, when something does.
 */
export type MaybeAsync<T> = T | Promise<T>;

/** `fn(value)`, at once when `value` is there, after it otherwise. A throw in `fn` throws (or rejects) as `fn`'s own. */
export function andThen<T, R>(value: MaybeAsync<T>, fn: (value: T) => MaybeAsync<R>): MaybeAsync<R> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}
