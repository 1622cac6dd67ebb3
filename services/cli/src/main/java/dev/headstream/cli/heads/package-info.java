/**
 * {@code headstream heads}: the newest committed version of every head on
 * {@code headstream.heads}, joined with the newest record of each head on
 * {@code headstream.metrics} (its alarms), as a table or JSON. {@link dev.headstream.cli.heads.HeadList}
 * files the records (the key rule of {@link dev.headstream.client.HeadKeys}) and
 * {@link dev.headstream.cli.heads.HeadTable} renders them; neither needs a broker.
 *
 * <p>May use the client module's {@link dev.headstream.client.TopicReader} and
 * {@link dev.headstream.client.HeadKeys}, kafka-clients' record type and the schemas; nothing of
 * the engine.
 */
package dev.headstream.cli.heads;
