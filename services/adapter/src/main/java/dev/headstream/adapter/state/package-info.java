/**
 * Per-user training state across partition assignments: {@link dev.headstream.adapter.state.StateRestorer}
 * (the consumer's rebalance listener) restores assigned partitions from the
 * {@code headstream.adapter-state} changelog, which {@link dev.headstream.adapter.state.ChangelogReader}
 * reads, and drops revoked ones; {@link dev.headstream.adapter.state.RestoreProgress} says what is
 * being restored, for readiness.
 *
 * <p>May use the engine, Kafka clients, SmallRye Reactive Messaging Kafka's rebalance listener and
 * {@code dev.headstream.adapter.fault}.
 */
package dev.headstream.adapter.state;
