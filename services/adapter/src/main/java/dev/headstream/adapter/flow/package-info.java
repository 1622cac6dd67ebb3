/**
 * The adaptation flow: {@link dev.headstream.adapter.flow.SampleProcessor} (the {@code @Incoming}
 * method, which only orchestrates), {@link dev.headstream.adapter.flow.IncomingBatch} (a consumed
 * batch in domain terms), {@link dev.headstream.adapter.flow.BatchPreparation} (the engine's result
 * and its records, ready for the transaction), {@link dev.headstream.adapter.flow.PoisonIsolation}
 * (retries, then isolates the records that make processing fail),
 * {@link dev.headstream.adapter.flow.OutputRecords} (a processed batch as the records of its
 * transaction, each checked against its topic's size limit),
 * {@link dev.headstream.adapter.flow.BatchSettlement} (what each transaction outcome does to the
 * engine's state and the metrics), {@link dev.headstream.adapter.flow.PartitionRetries} (which
 * partitions retry or keep aborting; the waits and the stall) and
 * {@link dev.headstream.adapter.flow.AdapterMetrics}.
 *
 * <p>May use the engine, the wire schemas, SmallRye Reactive Messaging (Kafka record types only at
 * the edge: {@code IncomingBatch} and {@code OutputRecords}; partitions as Kafka's
 * {@code TopicPartition}), Micrometer, {@code dev.headstream.adapter.transaction},
 * {@code dev.headstream.adapter.topic} (the size limits) and the fault seam's interface.
 */
package dev.headstream.adapter.flow;
