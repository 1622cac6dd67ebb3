/**
 * What a streaming wake-word detector does with per-step scores: activations with a refractory
 * period, false accepts per hour, and thresholds set in false accepts per hour.
 *
 * <p>May use {@code core.head}; nothing else of the core.
 */
package dev.headstream.core.detect;
