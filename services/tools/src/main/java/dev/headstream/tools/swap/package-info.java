/**
 * {@code headstream bench-swap}: the swap latency benchmark on the real broker and the adapter as
 * child processes (test kit). Samples of synthetic users are sent with an idempotent producer
 * ({@code SampleTraffic}); a
 * {@link dev.headstream.client.HeadFollower} builds every head as a detector would, and a scoring
 * tick every 80 ms notes when each version is first in use ({@code DetectorSide}); the latency of a
 * sample runs from just before its send to the first tick that uses a version containing it
 * ({@code SwapLatencies}). Results go to JSON and a PNG ({@code SwapReport}); the measured figures
 * are in {@code docs/swap/}. The adapter's counters are read from its Prometheus endpoint
 * ({@code AdapterEndpoint}, {@code AdapterStats}).
 *
 * <p>{@code bench-e2e} ({@code dev.headstream.tools.e2e}) reuses the traffic, the counters, the
 * follower and the latency arithmetic, which are public for it.
 *
 * <p>May use the client, the test kit, core's wire codec, and the {@code bank} and {@code bench}
 * tools.
 */
package dev.headstream.tools.swap;
