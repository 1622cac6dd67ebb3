/**
 * The adapter's health checks ({@code /q/health}): {@link dev.headstream.adapter.health.ReadinessCheck}.
 *
 * <p>May use MicroProfile Health, the engine and backbone (read only),
 * {@code dev.headstream.adapter.state} and the flow's {@code PartitionRetries} (read only).
 */
package dev.headstream.adapter.health;
