/** tempstream/sinks: where the temperature pipeline's records end up (MySQL, or memory for tests). */
export { createKnex, type CreateKnexOptions } from './knex.js';
export { migrate, rollbackAll, migrationSource, MIGRATIONS, MIGRATIONS_TABLE, type CodeMigration } from './migrations/index.js';
export { MysqlReadingsSink, SQL_PATHS, DEFAULT_SQL_PATH, type MysqlReadingsSinkOptions, type SqlPath } from './mysql-readings-sink.js';
export type { ReadingsSinkCounters } from './readings-sink-counters.js';
export { isTransientMysqlError } from './mysql-errors.js';
export {
  TEMPERATURE_TABLE,
  TEMPERATURE_COLUMNS,
  MAX_DEVICE_ID_LENGTH,
  temperatureRowProblems,
  toTemperatureRow,
  type TemperatureRow,
} from './temperature-row.js';
export {
  ALERT_TABLE,
  ALERT_COLUMNS,
  NOTIFY_STATUS,
  alertRowProblems,
  toAlertRow,
  alertKeyOf,
  alertIdentity,
  type AlertRow,
  type AlertKey,
} from './alert-row.js';
export type { AlertStore, NotifyFailure } from './alert-store.js';
export { MysqlAlertStore } from './mysql-alert-store.js';
export { toMysqlDatetime, fromMysqlDatetime, isStorableTime } from './mysql-datetime.js';
export {
  RedriveStore,
  REDRIVE_TABLE,
  positionKey,
  type DeadLetterPosition,
  type RedriveClaim,
  type RedriveRecord,
  type ClaimOutcome,
} from './redrive-store.js';
export {
  MINUTE_ROLLUP_TABLE,
  MINUTE_ROLLUP_COLUMNS,
  minuteRollupProblems,
  toMinuteRollupRow,
  type MinuteRollup,
  type DeviceWindowKey,
  type MinuteRollupRecord,
  type MinuteRollupRow,
} from './minute-rollup-row.js';
export type { MinuteRollupCounters } from './minute-rollup-counters.js';
export { MysqlMinuteRollupSink, type MysqlMinuteRollupSinkOptions } from './mysql-minute-rollup-sink.js';
export { uniqueBy, type NotifyingStore, type EventNotifyFailure } from './notifying-store.js';
export {
  EPISODE_TABLE,
  EPISODE_COLUMNS,
  EPISODE_STATUS,
  MAX_EPISODE_ID_LENGTH,
  episodeRowProblems,
  episodeEventIdentity,
  toEpisodeRow,
  type EpisodeRow,
} from './episode-row.js';
export { MysqlEpisodeStore } from './mysql-episode-store.js';
export {
  SILENCE_TABLE,
  SILENCE_COLUMNS,
  silenceRowProblems,
  silenceKeyOf,
  silenceIdentity,
  toSilenceRow,
  type SilenceRow,
  type SilenceKey,
} from './silence-row.js';
export { MysqlSilenceStore } from './mysql-silence-store.js';
