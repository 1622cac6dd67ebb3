/**
 * Per-user training state across partition assignments: {@link dev.headstream.adapter.state.StateRestorer}
 * (the consumer's rebalance listener) restores assigned partitions from the
 * {@code headstream.adapter-state} changelog, which {@link dev.headstream.adapter.state.ChangelogReader}
 * reads, trusting record keys over payloads, and drops revoked ones;
 * {@link dev.headstream.adapter.state.RestoreProgress} says what is being restored and what the
 * restores could not install as stored, for readiness and {@link dev.headstream.adapter.state.RestoreMetrics}.
 *
 * <p>May use the engine, the changelog codec ({@code dev.headstream.core.wire}), Kafka clients, SmallRye
 * Reactive Messaging Kafka's rebalance listener, Micrometer and {@code dev.headstream.adapter.fault}.
 */
package dev.headstream.adapter.state;
