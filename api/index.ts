/** tempstream/api: the HTTP server `tempstream serve` runs. */
export { buildApiServer, checkSecurity, ApiSecurityError, type ApiServerOptions, type ApiSecurity } from './server.js';
export { kafkaAlertFeed, noAlertFeed, type AlertFeed, type AlertFeedState, type AlertFeedEvent, type FeedTopics } from './alert-feed.js';
export { isLoopback } from './auth.js';
