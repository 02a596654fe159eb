/**
 * The reliability suite's two sizes. REDUCED (the default, what CI runs: the whole suite in about ten
 * minutes on two busy cores) keeps every scenario but fewer and shorter faults; FULL
 * (`RELIABILITY_MODE=full`) repeats them more and for longer.
 */
export type ReliabilityMode = 'reduced' | 'full';

export const MODE: ReliabilityMode = process.env.RELIABILITY_MODE === 'full' ? 'full' : 'reduced';

/** The value for the mode the suite runs in. */
export const byMode = <T>(values: { readonly reduced: T; readonly full: T }): T => values[MODE];

/** Alert limits every scenario runs the pipeline with (°F); the legal range is 32–132 °F. */
export const LIMITS = { minTemp: 40, maxTemp: 120 } as const;

/** Readings per second the load generator sends: steady and modest, other jobs share the machine. */
export const LOAD_RATE = byMode({ reduced: 60, full: 120 });

/**
 * Consumer settings every topology instance of the suite uses (a Kafka client wrapper adds them, see
 * pipeline.ts): a dead member leaves the group after 10 s instead of KafkaJS's 30 s default, so each
 * kill or broker restart costs seconds, not half a minute. Correctness does not depend on them.
 */
export const CONSUMER_TUNING = { sessionTimeout: 10_000, heartbeatInterval: 1_000, rebalanceTimeout: 20_000, maxWaitTimeInMs: 500 } as const;
