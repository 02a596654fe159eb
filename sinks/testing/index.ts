/** tempstream/sinks/testing: in-memory twins of the MySQL sinks, for tests and the in-memory features. */
export { InMemoryReadingsSink } from './in-memory-readings-sink.js';
export { InMemoryAlertStore } from './in-memory-alert-store.js';
export { InMemoryMinuteRollupSink } from './in-memory-minute-rollup-sink.js';
export { InMemoryEpisodeStore, type StoredEpisode } from './in-memory-episode-store.js';
export { InMemorySilenceStore } from './in-memory-silence-store.js';
export { sampleEpisode } from './episode-fixtures.js';
