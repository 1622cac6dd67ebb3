/**
 * The consumer and producer side of the wire contracts, for applications and for the project's
 * own commands: {@link dev.headstream.client.HeadFollower} follows {@code headstream.heads} and
 * hot-swaps the newest head per head id, {@link dev.headstream.client.SampleProducer} streams users'
 * labeled recordings to {@code headstream.samples} for applications (validated keys, stable sample
 * ids, bounded in-flight sends), {@link dev.headstream.client.SampleSender} sends raw records and
 * control commands with an idempotent producer (the tests' and tools' way to send anything, bad
 * records included), {@link dev.headstream.client.TopicReader} reads
 * a whole topic as it stands. {@link dev.headstream.client.HeadKeys} is the rule every reader of
 * heads and metrics follows: a record is filed by its key, and skipped when its payload names
 * another head.
 *
 * <p>May use the schemas module and kafka-clients only: no engine, no ONNX Runtime, no broker.
 */
package dev.headstream.client;
