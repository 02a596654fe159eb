import type { DeviceSilence, TempAlertEpisode, TempRangeAlert } from '../../schemas/index.js';

export interface NotifyOptions {
  /** Names of notifiers that are done with this notice (delivered before): not to be told again. */
  readonly skip?: ReadonlySet<string>;
}

/** What a person is told about: one out-of-range reading, an episode opening or resolving, a device going silent or coming back. */
export type Notice =
  | { readonly kind: 'alert'; readonly alert: TempRangeAlert }
  | { readonly kind: 'episode'; readonly episode: TempAlertEpisode }
  | { readonly kind: 'silence'; readonly silence: DeviceSilence };

export const alertNotice = (alert: TempRangeAlert): Notice => ({ kind: 'alert', alert });
export const episodeNotice = (episode: TempAlertEpisode): Notice => ({ kind: 'episode', episode });
export const silenceNotice = (silence: DeviceSilence): Notice => ({ kind: 'silence', silence });

/** The device a notice is about. */
export function noticeDevice(notice: Notice): string {
  switch (notice.kind) {
    case 'alert':
      return notice.alert.reading.deviceId;
    case 'episode':
      return notice.episode.deviceId;
    case 'silence':
      return notice.silence.deviceId;
  }
}

/**
 * Tells a person about a notice. Resolves once delivered; rejects when it could not be, with a
 * NotifyError saying whether retrying may help (any other error counts as worth a bounded retry).
 */
export interface Notifier {
  readonly name: string;
  notify(notice: Notice, message: string, options?: NotifyOptions): Promise<void>;
}
