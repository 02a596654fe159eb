import knexFactory from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { temperatureTable } from './001-create-temperature.js';
import { tempRangeAlertTable } from './002-create-temp-range-alert.js';
import { markNotifiedBefore, notifyStatusColumns } from './003-add-alert-notify-status.js';
import { deadLetterRedriveTable } from './004-create-dead-letter-redrive.js';
import { tempAlertEpisodeTable } from './005-create-temp-alert-episode.js';
import { temperatureMinuteTable } from './006-create-temperature-minute.js';
import { deviceSilenceTable } from './007-create-device-silence.js';
import { MIGRATIONS, migrationSource } from './index.js';

// No connection: knex only compiles SQL here.
const knex = knexFactory({ client: 'mysql2' });
afterAll(() => knex.destroy());

describe('migrations', () => {
  it('run in a fixed order under stable names', async () => {
    const list = await migrationSource.getMigrations([]);
    expect(list.map((m) => migrationSource.getMigrationName(m))).toEqual([
      '001-create-temperature',
      '002-create-temp-range-alert',
      '003-add-alert-notify-status',
      '004-create-dead-letter-redrive',
      '005-create-temp-alert-episode',
      '006-create-temperature-minute',
      '007-create-device-silence',
    ]);
    expect(new Set(MIGRATIONS.map((m) => m.name)).size).toBe(MIGRATIONS.length);
  });

  it('create table temperature with millisecond UTC times and one row per device and instant', () => {
    const sql = temperatureTable(knex).toString();
    expect(sql).toContain('create table `temperature`');
    for (const column of [
      '`id` bigint unsigned not null auto_increment primary key',
      "`device_id` varchar(64) not null collate 'utf8mb4_bin'",
      '`reading_time` DATETIME(3) not null',
      '`temperature` DOUBLE not null',
      '`received_at` DATETIME(3) not null',
      '`source_offset` bigint not null',
    ]) {
      expect(sql).toContain(column);
    }
    expect(sql).toContain('add unique `uq_temperature_device_reading_time`(`device_id`, `reading_time`)');
  });

  it('create table temp_range_alert, unique per finding, with a notified_at mark', () => {
    const sql = tempRangeAlertTable(knex).toString();
    expect(sql).toContain('create table `temp_range_alert`');
    expect(sql).toContain('`notified_at` DATETIME(3) null');
    expect(sql).toContain('add unique `uq_temp_range_alert_finding`(`device_id`, `reading_time`, `rule`, `direction`)');
  });

  it('add to temp_range_alert whether notifying settled (notified or failed) and why it failed, marking alerts notified before', () => {
    const alter = notifyStatusColumns(knex).toString();
    expect(alter).toContain('alter table `temp_range_alert` add `notify_status` varchar(16) null');
    expect(alter).toContain('add `notify_error` varchar(1000) null');
    expect(markNotifiedBefore(knex).toQuery()).toBe("update `temp_range_alert` set `notify_status` = 'notified' where `notified_at` is not null");
  });

  it('create table dead_letter_redrive, one row per dead-letter position', () => {
    const sql = deadLetterRedriveTable(knex).toString();
    expect(sql).toContain('create table `dead_letter_redrive`');
    expect(sql).toContain('`produced_at` DATETIME(3) null');
    expect(sql).toContain('add unique `uq_dead_letter_redrive_position`(`dlq_topic`, `dlq_partition`, `dlq_offset`)');
  });

  it('create table temp_alert_episode, one row per episode id, with a notification mark per event', () => {
    const sql = tempAlertEpisodeTable(knex).toString();
    expect(sql).toContain('create table `temp_alert_episode`');
    for (const column of [
      "`episode_id` varchar(200) not null comment '<deviceId>/<openedAt>/<direction>' collate 'utf8mb4_bin'",
      "`device_id` varchar(64) not null collate 'utf8mb4_bin'",
      '`status` varchar(10) not null',
      '`opened_at` DATETIME(3) not null',
      '`resolved_at` DATETIME(3) null',
      '`readings` int not null',
      '`duration_ms` bigint not null',
      '`notified_opened_at` DATETIME(3) null',
      '`notified_resolved_at` DATETIME(3) null',
      '`notify_status` varchar(16) null',
      '`notify_error` varchar(1000) null',
    ]) {
      expect(sql).toContain(column);
    }
    expect(sql).toContain('add unique `uq_temp_alert_episode_id`(`episode_id`)');
    expect(sql).toContain('add index `ix_temp_alert_episode_device_opened`(`device_id`, `opened_at`)');
  });

  it('create table temperature_minute, one row per device and window start', () => {
    const sql = temperatureMinuteTable(knex).toString();
    expect(sql).toContain('create table `temperature_minute`');
    for (const column of ['`window_start` DATETIME(3) not null', '`window_end` DATETIME(3) not null', '`mean_f` DOUBLE not null'])
      expect(sql).toContain(column);
    expect(sql).toContain('add unique `uq_temperature_minute_window`(`device_id`, `window_start`)');
  });

  it('create table device_silence, one row per device, event and last-seen time, with a notified_at mark', () => {
    const sql = deviceSilenceTable(knex).toString();
    expect(sql).toContain('create table `device_silence`');
    expect(sql).toContain('`notified_at` DATETIME(3) null');
    expect(sql).toContain('`silence_ms` bigint not null');
    expect(sql).toContain('add unique `uq_device_silence_event`(`device_id`, `event`, `last_seen_at`)');
  });
});
