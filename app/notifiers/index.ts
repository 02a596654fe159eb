export type { Notifier } from './notifier.js';
export { logNotifier } from './log-notifier.js';
export { webhookNotifier, WebhookError, type WebhookNotifierOptions } from './webhook-notifier.js';
export { fanOut } from './fan-out.js';
