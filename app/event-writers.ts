import type { DeviceSilence, TempAlertEpisode } from '../schemas/index.js';
import { episodeEventIdentity, silenceIdentity, silenceKeyOf, type NotifyingStore } from '../sinks/index.js';
import { episodeNotice, silenceNotice, type Notifier } from './notifiers/index.js';
import { NotifyingWriter, type NotifiedKind, type NotifyingWriterOptions } from './notifying-writer.js';

export const EPISODE_KIND: NotifiedKind<TempAlertEpisode> = {
  sinkName: 'temp-alert-episodes',
  what: 'an episode event',
  // One notification when it opens, one when it resolves.
  identity: episodeEventIdentity,
  notice: episodeNotice,
  describe: (episode) => ({ episode: episode.event, episodeId: episode.episodeId, deviceId: episode.deviceId, direction: episode.direction }),
};

export const SILENCE_KIND: NotifiedKind<DeviceSilence> = {
  sinkName: 'device-silence',
  what: 'a silence event',
  identity: (silence) => silenceIdentity(silenceKeyOf(silence)),
  notice: silenceNotice,
  describe: (silence) => ({ silence: silence.event, deviceId: silence.deviceId, lastSeenAt: new Date(silence.lastSeenAt).toISOString() }),
};

/** Stores each episode event once (temp_alert_episode) and tells a person once when it opens and once when it resolves. */
export const episodeWriter = (store: NotifyingStore<TempAlertEpisode>, notifier: Notifier, options?: NotifyingWriterOptions) =>
  new NotifyingWriter(EPISODE_KIND, store, notifier, options);

/** Stores each silence event once (device_silence) and tells a person once per SILENT and per BACK. */
export const silenceWriter = (store: NotifyingStore<DeviceSilence>, notifier: Notifier, options?: NotifyingWriterOptions) =>
  new NotifyingWriter(SILENCE_KIND, store, notifier, options);
