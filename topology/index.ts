/**
 * tempstream/topology: a Kafka-Streams-style library on RxJS and KafkaJS. Generic: it knows
 * records, serdes, operators, sinks and offsets, and nothing of any application's domain.
 */
export * from './records.js';
export * from './errors.js';
export * from './serdes/index.js';
export { TopologyBuilder, KStream, BranchedKStream, type SourceOptions } from './dsl/builder.js';
export { Topology } from './dsl/topology.js';
export type { KeyValue, Violation } from './dsl/operators.js';
export type { Envelope, GraphNode } from './dsl/graph.js';
export { BatchingSink, DEFAULT_BATCHING, defaultIsTransient } from './runtime/batching-sink.js';
export type { BatchWriter, BatchOutcome, BatchingOptions } from './dsl/sink-contract.js';
export type { SinkObserver } from './runtime/batching-sink.js';
export { CommitTracker, PartitionTracker } from './runtime/commit-tracker.js';
export type { OffsetToCommit } from './runtime/commit-tracker.js';
export { Engine } from './runtime/engine.js';
export type { EngineOptions, RuntimeObserver } from './runtime/engine.js';
export type { OutputProducer, ProducedMessage } from './runtime/output-producer.js';
export { DLQ_HEADERS, readDlqHeaders, toDlqRecord } from './runtime/dlq.js';
export { systemClock, type Clock } from './runtime/clock.js';
export { silentLogger, type Logger } from './runtime/logger.js';
export { KafkaTopologyRunner } from './runtime/kafka-runner.js';
export type { KafkaRunnerOptions, RunnerState } from './runtime/kafka-runner.js';
export { kafkaOutputProducer, isTransientKafkaError } from './runtime/kafka-producer.js';
export { toRawRecord } from './runtime/kafka-message.js';
export { KafkaBatchFeeder, type BatchFeederOptions, type FeedAdmission, type FedEngine } from './runtime/kafka-batch-feeder.js';
export { EventLoopSlice, DEFAULT_MAX_BLOCKING_MS } from './runtime/event-loop-slice.js';
export { ensureTopics, type TopicSpec } from './runtime/kafka-admin.js';
export { TransactionalOutput } from './runtime/kafka-transactions.js';
export * from './state/index.js';
export { KGroupedStream, TimeWindowedKStream, KTable } from './dsl/builder.js';
export type { AggregationOptions, WindowedAggregationOptions } from './dsl/aggregation-options.js';
export type { Processor, ProcessorContext, ProcessorSupplier, ForwardedRecord } from './processor/processor.js';
export { keyValueStore, windowStore, type StoreSpec, type WindowStore } from './processor/store-spec.js';
export { andThen, type MaybeAsync } from './processor/maybe-async.js';
export type { DropObserver, DroppedRecord, DropReason, Fold } from './processor/dropped-record.js';
export { aggregateProcessor, type AggregateProcessorSpec } from './processor/aggregate-processor.js';
export { windowAggregateProcessor, type EmitStrategy, type WindowAggregateProcessorSpec } from './processor/window-aggregate-processor.js';
export type { QueryableStore } from './runtime/engine.js';
export { coPartitionedAssigner } from './runtime/co-partitioned-assigner.js';
