import type { TempRangeAlert } from '../schemas/index.js';
import type { SourcePosition } from '../topology/index.js';
import type { RaisedAlert, ReadingFacts } from './rules/index.js';

/** The TempRangeAlert for a raised alert: the reading, what was crossed, and where the reading came from. */
export function toTempRangeAlert(raised: RaisedAlert, facts: ReadingFacts, source: SourcePosition): TempRangeAlert {
  const { deviceId, readingTime, temperature, unit } = facts.reading;
  return {
    // Copied field by field: a decoded Avro record is a class instance, and the alert must hold plain data.
    reading: { deviceId, readingTime, temperature, unit },
    rule: raised.rule,
    direction: raised.direction,
    temperatureFahrenheit: facts.fahrenheit,
    bound: raised.bound,
    minTemp: raised.minTemp,
    maxTemp: raised.maxTemp,
    sourceTopic: source.topic,
    sourcePartition: source.partition,
    sourceOffset: source.offset,
  };
}
