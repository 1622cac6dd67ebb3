/**
 * The exactly-once audit of the adapter's output ({@link dev.headstream.testkit.audit.OutputAudit}):
 * head versions once and in order, one metrics record per applied sample, no reject, read back as a
 * {@code read_committed} consumer sees them.
 *
 * <p>May use the client module's {@link dev.headstream.client.TopicReader}, kafka-clients and the
 * schemas.
 */
package dev.headstream.testkit.audit;
