/**
 * {@code headstream kafka}: a development broker with Headstream's topics in the foreground until
 * Ctrl-C, on the test kit's {@link dev.headstream.testkit.kafka.EmbeddedKafka} and
 * {@link dev.headstream.testkit.kafka.TopicAdmin}.
 *
 * <p>May use the test kit's {@code kafka} package and picocli only.
 */
package dev.headstream.tools.kafka;
