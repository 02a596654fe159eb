import type { Logger } from '../../topology/index.js';
import type { Notice, Notifier } from './notifier.js';

/** Writes the notice's line to the log at `warn`, with its facts as fields for searching. */
export function logNotifier(logger: Logger): Notifier {
  return {
    name: 'log',
    notify(notice, message) {
      logger.warn(fieldsOf(notice), message);
      return Promise.resolve();
    },
  };
}

function fieldsOf(notice: Notice): Record<string, unknown> {
  switch (notice.kind) {
    case 'alert': {
      const { alert } = notice;
      return {
        alert: alert.rule,
        deviceId: alert.reading.deviceId,
        direction: alert.direction,
        temperatureF: alert.temperatureFahrenheit,
        bound: alert.bound,
        readingTime: new Date(alert.reading.readingTime).toISOString(),
        source: `${alert.sourceTopic}[${alert.sourcePartition}]@${alert.sourceOffset}`,
      };
    }
    case 'episode': {
      const { episode } = notice;
      return {
        episode: episode.event,
        episodeId: episode.episodeId,
        deviceId: episode.deviceId,
        direction: episode.direction,
        peakTemperatureF: episode.peakTemperatureF,
        readings: episode.readings,
        durationMs: episode.durationMs,
      };
    }
    case 'silence': {
      const { silence } = notice;
      return {
        silence: silence.event,
        deviceId: silence.deviceId,
        lastSeenAt: new Date(silence.lastSeenAt).toISOString(),
        detectedAt: new Date(silence.detectedAt).toISOString(),
      };
    }
  }
}
