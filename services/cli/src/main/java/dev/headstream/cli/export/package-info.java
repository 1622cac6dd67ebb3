/**
 * {@code headstream export-head}: the newest committed version of one head, read from
 * {@code headstream.heads}, written as a standalone ONNX model with its source head's interface and
 * its provenance and threshold in {@code metadata_props}; a class head with a pooled-input interface,
 * its provenance, output names and pooling, and no threshold. {@link dev.headstream.cli.export.HeadExport}
 * does the work (also for {@code eval}, which scores the heads it would write).
 *
 * <p>May use the runtime module's {@code onnx} package, core's head and wire types, the client
 * module's {@link dev.headstream.client.TopicReader} and the schemas.
 */
package dev.headstream.cli.export;
