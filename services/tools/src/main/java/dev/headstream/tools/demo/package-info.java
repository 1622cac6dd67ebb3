/**
 * {@code headstream demo}: the end-to-end run behind the README's headline table. A real broker
 * and the adapter as child processes (test kit), held-out synthetic users streamed through the
 * client's {@link dev.headstream.client.SampleSender}, heads followed with
 * {@link dev.headstream.client.HeadFollower}, holdout recall and false accepts per hour of held-out
 * speech per user, then a bit-for-bit {@code replay}; the table also as JSON
 * ({@link dev.headstream.tools.demo.DemoJson}).
 *
 * <p>May use the client, the test kit, the CLI's {@code replay}, core, and the {@code bank} and
 * {@code bench} tools.
 */
package dev.headstream.tools.demo;
