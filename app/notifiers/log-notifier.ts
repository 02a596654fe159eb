import type { Logger } from '../../topology/index.js';
import type { Notifier } from './notifier.js';

/** Writes the alert's line to the log at `warn`, with the alert's facts as fields for searching. */
export function logNotifier(logger: Logger): Notifier {
  return {
    name: 'log',
    notify(alert, message) {
      logger.warn(
        {
          alert: alert.rule,
          deviceId: alert.reading.deviceId,
          direction: alert.direction,
          temperatureF: alert.temperatureFahrenheit,
          bound: alert.bound,
          readingTime: new Date(alert.reading.readingTime).toISOString(),
          source: `${alert.sourceTopic}[${alert.sourcePartition}]@${alert.sourceOffset}`,
        },
        message,
      );
      return Promise.resolve();
    },
  };
}
