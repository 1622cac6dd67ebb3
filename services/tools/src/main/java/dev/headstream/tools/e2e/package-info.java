/**
 * {@code headstream bench-e2e}: the end-to-end benchmark of issue 16. The raw backbone's clips per
 * second in-process ({@code BackboneRate}), then the real broker and adapter as child processes
 * (test kit): per level of users a backlog drained while the adapter's Prometheus counters are read
 * every few hundred ms ({@code Scraper}, {@code Scrape}); the rate and the time per clip of each
 * stage come from the window between two commits while the adapter was never short of records
 * ({@code DrainWindow}); the latency from send to a committed head version is measured with
 * {@code bench-swap}'s follower. Results go to a table, JSON and a PNG ({@code E2eReport}); the
 * measured figures are in {@code docs/e2e/}.
 *
 * <p>May use the client, the test kit, core and runtime (the backbone is assembled as the adapter
 * assembles it), and the {@code bank}, {@code bench} and {@code swap} tools.
 */
package dev.headstream.tools.e2e;
