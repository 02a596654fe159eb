import type { TempAlertEpisode } from '../../schemas/index.js';
import { cutToCharacters, MAX_NOTIFY_ERROR_LENGTH } from '../alert-row.js';
import { episodeEventIdentity } from '../episode-row.js';
import { uniqueBy, type EventNotifyFailure, type NotifyingStore } from '../notifying-store.js';

/** One stored episode: the row's facts as the last event that changed it left them, and each event's notification. */
export interface StoredEpisode {
  readonly episode: TempAlertEpisode;
  readonly status: 'OPEN' | 'RESOLVED';
  readonly opened?: 'notified' | 'failed';
  readonly resolved?: 'notified' | 'failed';
  readonly error?: string;
}

/** Table `temp_alert_episode` in memory, with the MySQL store's rules: an older event never moves a row back. */
export class InMemoryEpisodeStore implements NotifyingStore<TempAlertEpisode> {
  private readonly stored = new Map<string, StoredEpisode>();

  get episodes(): readonly StoredEpisode[] {
    return [...this.stored.values()];
  }

  record(episodes: readonly TempAlertEpisode[]): Promise<TempAlertEpisode[]> {
    const unique = uniqueBy(episodes, episodeEventIdentity);
    // OPENED first, as the MySQL store does.
    for (const episode of [...unique.filter((e) => e.event === 'OPENED'), ...unique.filter((e) => e.event === 'RESOLVED')]) {
      const row = this.stored.get(episode.episodeId);
      if (!row) this.stored.set(episode.episodeId, { episode, status: episode.event === 'RESOLVED' ? 'RESOLVED' : 'OPEN' });
      else if (row.status === 'OPEN' && episode.event === 'RESOLVED') this.stored.set(episode.episodeId, { ...row, episode, status: 'RESOLVED' });
    }
    return Promise.resolve(
      unique.filter((e) => {
        const row = this.stored.get(e.episodeId)!;
        return e.event === 'OPENED' ? row.opened === undefined : row.status === 'RESOLVED' && row.resolved === undefined;
      }),
    );
  }

  markNotified(episodes: readonly TempAlertEpisode[]): Promise<void> {
    for (const episode of episodes) this.settle(episode, 'notified');
    return Promise.resolve();
  }

  markFailed(failures: readonly EventNotifyFailure<TempAlertEpisode>[]): Promise<void> {
    for (const { event, error } of failures) this.settle(event, 'failed', cutToCharacters(`${event.event}: ${error}`, MAX_NOTIFY_ERROR_LENGTH));
    return Promise.resolve();
  }

  private settle(episode: TempAlertEpisode, outcome: 'notified' | 'failed', error?: string): void {
    const row = this.stored.get(episode.episodeId);
    const field = episode.event === 'OPENED' ? 'opened' : 'resolved';
    if (row && row[field] === undefined) this.stored.set(episode.episodeId, { ...row, [field]: outcome, ...(error === undefined ? {} : { error }) });
  }
}
