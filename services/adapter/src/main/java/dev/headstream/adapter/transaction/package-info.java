/**
 * One Kafka transaction per batch and what came of it: {@link dev.headstream.adapter.transaction.BatchTransaction}
 * runs it (records, offsets, the fault seam, the check of the committed offsets) and reports a
 * {@link dev.headstream.adapter.transaction.TransactionOutcome};
 * {@link dev.headstream.adapter.transaction.CommitCheck} asks the coordinator, with its bounded
 * retry; {@link dev.headstream.adapter.transaction.TransactionWatchdog} notices a commit that never
 * ends; {@link dev.headstream.adapter.transaction.ProcessExit} is the only class that ends the
 * process, and decides when.
 *
 * <p>May use SmallRye Reactive Messaging Kafka, Kafka clients, Mutiny, the adapter's
 * {@code Channels} and {@code HeadstreamConfig}, and {@code dev.headstream.adapter.fault}; not the
 * engine (a batch's state is the caller's business).
 */
package dev.headstream.adapter.transaction;
