import type { Notifier } from './notifier.js';

/** Tells every notifier; fails if any failed, after all were tried, so one broken channel silences no other. */
export function fanOut(...notifiers: readonly Notifier[]): Notifier {
  return {
    name: notifiers.map((n) => n.name).join('+'),
    async notify(alert, message) {
      const results = await Promise.allSettled(notifiers.map((n) => n.notify(alert, message)));
      const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`${notifiers[i]?.name}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`] : []));
      if (failures.length > 0) throw new Error(`notifying failed: ${failures.join('; ')}`);
    },
  };
}
