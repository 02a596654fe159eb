/** tempstream/topology/testing: run a topology without a broker (Kafka Streams' TopologyTestDriver) and a clock tests move. */
export { TopologyTestDriver, type TestDriverOptions, type StoredMessage, type PipeOptions } from './test-driver.js';
export { ManualClock } from './manual-clock.js';
