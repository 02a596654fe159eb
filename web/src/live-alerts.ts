/**
 * The one connection to GET /api/events for the whole page: alerts as they are produced, kept (the
 * latest 200) for whichever view shows them, and episode and silence events for the views that react
 * to them. EventSource reconnects by itself; the status line says whether it is connected.
 */
import type { Alert, Episode, Resource, Silence } from './resources.js';

export type LiveState = 'connecting' | 'connected' | 'reconnecting';
type Listener = (alert: Resource<Alert>) => void;

const KEEP = 200;

export class LiveAlerts {
  readonly received: Resource<Alert>[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly stateListeners = new Set<(state: LiveState) => void>();
  private readonly episodeListeners = new Set<(episode: Resource<Episode>) => void>();
  private readonly silenceListeners = new Set<(silence: Resource<Silence>) => void>();
  private source: EventSource | undefined;
  state: LiveState = 'connecting';

  connect(url = '/api/events'): void {
    const source = new EventSource(url);
    this.source = source;
    source.addEventListener('open', () => this.setState('connected'));
    source.addEventListener('error', () => this.setState(source.readyState === EventSource.CLOSED ? 'reconnecting' : 'connecting'));
    source.addEventListener('alert', (event: MessageEvent<string>) => {
      const alert = (JSON.parse(event.data) as { data: Resource<Alert> }).data;
      this.received.unshift(alert);
      if (this.received.length > KEEP) this.received.pop();
      for (const listener of this.listeners) listener(alert);
    });
    source.addEventListener('episode', (event: MessageEvent<string>) => {
      const episode = (JSON.parse(event.data) as { data: Resource<Episode> }).data;
      for (const listener of this.episodeListeners) listener(episode);
    });
    source.addEventListener('silence', (event: MessageEvent<string>) => {
      const silence = (JSON.parse(event.data) as { data: Resource<Silence> }).data;
      for (const listener of this.silenceListeners) listener(silence);
    });
  }

  /** Calls `listener` with each episode event (opened or resolved); returns the unsubscribe. */
  onEpisode(listener: (episode: Resource<Episode>) => void): () => void {
    this.episodeListeners.add(listener);
    return () => this.episodeListeners.delete(listener);
  }

  /** Calls `listener` with each silence event (silent or back); returns the unsubscribe. */
  onSilence(listener: (silence: Resource<Silence>) => void): () => void {
    this.silenceListeners.add(listener);
    return () => this.silenceListeners.delete(listener);
  }

  /** Calls `listener` with each new alert; returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onState(listener: (state: LiveState) => void): void {
    this.stateListeners.add(listener);
    listener(this.state);
  }

  close(): void {
    this.source?.close();
  }

  private setState(state: LiveState): void {
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }
}

/** The key an alert is unique on (device, reading time, rule, direction): the same for a live and a stored one. */
export const alertKey = (a: Alert): string => [a.deviceId, a.readingTime, a.rule, a.direction].join('|');
