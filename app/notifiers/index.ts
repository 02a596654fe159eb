export { alertNotice, episodeNotice, silenceNotice, noticeDevice, type Notice, type Notifier, type NotifyOptions } from './notifier.js';
export { NotifyError, isPermanentNotifyFailure } from './notify-error.js';
export { logNotifier } from './log-notifier.js';
export { webhookNotifier, WebhookError, type WebhookNotifierOptions } from './webhook-notifier.js';
export { fanOut } from './fan-out.js';
