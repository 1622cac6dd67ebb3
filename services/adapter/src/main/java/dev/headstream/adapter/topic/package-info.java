/**
 * The topics as the adapter needs them: {@link dev.headstream.adapter.topic.TopicCheck} checks at
 * start-up, before the consumer joins the group, that every topic exists with the settings of
 * {@code dev.headstream.schemas.TopicSpecs} the adapter relies on
 * ({@link dev.headstream.adapter.topic.TopicRequirements}), and keeps the topics' record size
 * limits ({@link dev.headstream.adapter.topic.RecordLimits}) for the flow's check of its output
 * records.
 *
 * <p>May use kafka-clients' admin client, CDI, MicroProfile Config, the schemas and the engine's
 * specification; nothing of the flow.
 */
package dev.headstream.adapter.topic;
