import { errorMessage } from '../../topology/index.js';
import type { Notifier } from './notifier.js';
import { isPermanentNotifyFailure, NotifyError } from './notify-error.js';

/**
 * Tells every notifier; fails if any failed, after all were tried, so one broken channel silences no
 * other. The failure lists the notifiers that are done (delivered, or failed for good), which a retry
 * passes back as `skip`: a log line or a chat message is not repeated because another channel failed.
 */
export function fanOut(...notifiers: readonly Notifier[]): Notifier {
  const names = notifiers.map((n) => n.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new Error(`fanOut: two notifiers named ${twice}; give each its own name`);
  return {
    name: names.join('+'),
    async notify(notice, message, options) {
      const skip = options?.skip ?? new Set<string>();
      const todo = notifiers.filter((n) => !skip.has(n.name));
      const results = await Promise.allSettled(todo.map((n) => n.notify(notice, message)));
      const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [{ name: todo[i]!.name, reason: r.reason as unknown }] : []));
      if (failures.length === 0) return;
      const retryable = new Set(failures.filter((f) => !isPermanentNotifyFailure(f.reason)).map((f) => f.name));
      const settled = names.filter((name) => !retryable.has(name));
      const text = failures.map((f) => `${f.name}: ${errorMessage(f.reason)}`).join('; ');
      throw new NotifyError(`notifying failed: ${text}`, retryable.size === 0, settled);
    },
  };
}
