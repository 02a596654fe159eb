/**
 * State of a task: changelog-backed stores, time windows, restore on assignment, punctuation.
 * Self-contained ports and pieces; the runtime wires them to records, commits and rebalances.
 */
export type { ChangeLogger, RestorableStore, StateChange, StoreContext } from './change-logger.js';
export { RecordingChangeLogger } from './change-logger.js';
export { InMemoryKeyValueStore } from './key-value-store.js';
export type { KeyValueStore, KeyValueStoreOptions, ReadOnlyKeyValueStore, StoreEntry } from './key-value-store.js';
export { TimeWindows, type TimeWindow } from './time-windows.js';
export { InMemoryWindowStore, decodeWindowedKey, encodeWindowedKey } from './window-store.js';
export type { WindowedEntry, WindowedValue, WindowStoreOptions } from './window-store.js';
export { changelogTopicName, changelogTopicSpec, ensureChangelogTopics, prepareChangelogTopics, type ChangelogTopicOptions } from './changelog-topics.js';
export { ChangelogReadInterrupted, ChangelogRestorer } from './changelog-restorer.js';
export type { ChangelogChunk, ChangelogEntry, ChangelogSource, RestoreProgress, RestoreRequest, RestoreResult } from './changelog-restorer.js';
export { InMemoryChangelog } from './in-memory-changelog.js';
export { KafkaChangelogSource, type KafkaChangelogSourceOptions } from './kafka-changelog-source.js';
export { PunctuationScheduler, nextDueTime, type Cancellable, type PunctuationType, type Punctuator } from './punctuation-scheduler.js';
