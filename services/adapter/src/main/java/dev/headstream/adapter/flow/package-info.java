/**
 * The adaptation flow: {@link dev.headstream.adapter.flow.SampleProcessor} (the {@code @Incoming}
 * method, which only orchestrates), {@link dev.headstream.adapter.flow.IncomingBatch} (a consumed
 * batch in domain terms), {@link dev.headstream.adapter.flow.OutputRecords} (a processed batch as
 * the records of its transaction, each checked against its topic's size limit), {@link dev.headstream.adapter.flow.BatchSettlement} (what each
 * transaction outcome does to the engine's state and the metrics) and
 * {@link dev.headstream.adapter.flow.AdapterMetrics}.
 *
 * <p>May use the engine, the wire schemas, SmallRye Reactive Messaging (Kafka record types only at
 * the edge: {@code IncomingBatch} and {@code OutputRecords}), Micrometer,
 * {@code dev.headstream.adapter.transaction} and {@code dev.headstream.adapter.topic} (the size limits).
 */
package dev.headstream.adapter.flow;
