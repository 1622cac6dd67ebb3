/**
 * The adapter's health checks ({@code /q/health}): {@link dev.headstream.adapter.health.ReadinessCheck}.
 *
 * <p>May use MicroProfile Health, the engine and backbone (read only) and
 * {@code dev.headstream.adapter.state}.
 */
package dev.headstream.adapter.health;
