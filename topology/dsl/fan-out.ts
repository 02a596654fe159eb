import { Observable, type MonoTypeOperatorFunction, type Subscriber, type Subscription, type TeardownLogic } from 'rxjs';

/**
 * A multicast for the per-record path, in place of RxJS's Subject and `share()`: those run every
 * `next` through an error-context closure and an iterator (RxJS ships ES5 to Node), several objects
 * per record at every shared node. This one loops over an array.
 *
 * Subscribers are kept in a copy-on-write array: one that subscribes or leaves while a value is
 * being delivered does not change who receives that value, as with a Subject.
 */
export class FanOut<T> {
  private subscribers: readonly Subscriber<T>[] = [];
  private ended = false;

  /** @param onEmpty called when the last subscriber leaves. */
  constructor(private readonly onEmpty: () => void = () => undefined) {}

  next(value: T): void {
    const list = this.subscribers;
    for (let i = 0; i < list.length; i++) list[i]!.next(value);
  }

  error(err: unknown): void {
    this.ended = true;
    for (const s of this.subscribers) s.error(err);
  }

  complete(): void {
    this.ended = true;
    for (const s of this.subscribers) s.complete();
  }

  /** Adds a subscriber; one added after an error or completion is completed at once, as a stopped Subject's is. */
  add(subscriber: Subscriber<T>): TeardownLogic {
    if (this.ended) {
      subscriber.complete();
      return undefined;
    }
    this.subscribers = [...this.subscribers, subscriber];
    return () => {
      const before = this.subscribers.length;
      this.subscribers = this.subscribers.filter((s) => s !== subscriber);
      if (before > 0 && this.subscribers.length === 0) this.onEmpty();
    };
  }

  asObservable(): Observable<T> {
    return new Observable<T>((subscriber) => this.add(subscriber));
  }
}

/**
 * `share()` over a FanOut: the source is subscribed with the first subscriber and unsubscribed when
 * the last one leaves (a later subscriber subscribes it again); errors and completion pass through.
 */
export function fanOut<T>(): MonoTypeOperatorFunction<T> {
  return (source) => {
    let hub: FanOut<T> | undefined;
    let connection: Subscription | undefined;
    return new Observable<T>((subscriber) => {
      if (hub) return hub.add(subscriber);
      const current = new FanOut<T>(() => {
        if (hub !== current) return;
        hub = undefined;
        const c = connection;
        connection = undefined;
        c?.unsubscribe();
      });
      hub = current;
      const teardown = current.add(subscriber);
      const subscription = source.subscribe({
        next: (value) => current.next(value),
        error: (err: unknown) => {
          if (hub === current) hub = undefined;
          current.error(err);
        },
        complete: () => {
          if (hub === current) hub = undefined;
          current.complete();
        },
      });
      // The source may have ended (or the last subscriber left) while subscribing.
      if (hub === current) connection = subscription;
      else subscription.unsubscribe();
      return teardown;
    });
  };
}
