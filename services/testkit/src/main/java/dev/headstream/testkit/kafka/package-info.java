/**
 * A real single-node Kafka broker (KRaft) for demos, tools and tests:
 * {@link dev.headstream.testkit.kafka.EmbeddedKafka} runs it in a child JVM
 * ({@link dev.headstream.testkit.kafka.BrokerMain}) that can be stopped, killed and restarted on the
 * same data; {@link dev.headstream.testkit.kafka.TopicAdmin} creates Headstream's topics with their
 * configuration.
 *
 * <p>The only package of the project that uses the broker ({@code kafka_2.13}); production code
 * never depends on it. May also use kafka-clients' admin API and the schemas' topic names.
 */
package dev.headstream.testkit.kafka;
