/**
 * {@code headstream soak}: the fault scenarios at full size ({@link dev.headstream.tools.soak.FaultSoak}:
 * SIGKILL of the adapter, a rebalance 1 -> 3 -> 1, a broker kill and restart), each on a fresh
 * broker, followed by the exactly-once audit and a bit-for-bit replay. Results with their command:
 * {@code docs/soak/README.md}; the CI-sized scenarios are {@code FaultSoakIT}.
 *
 * <p>May use the test kit ({@code kafka}, {@code adapter}, {@code audit}, {@code synth}), the
 * client, the CLI's {@code replay}, core, and the {@code bench} package's shared options.
 */
package dev.headstream.tools.soak;
