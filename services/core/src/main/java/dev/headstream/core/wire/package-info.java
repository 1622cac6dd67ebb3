/**
 * Protobuf to domain and back, and nothing else: samples and control records in
 * ({@link dev.headstream.core.wire.SampleDecoder}, {@link dev.headstream.core.wire.ControlDecoder},
 * {@link dev.headstream.core.wire.SampleFile}), head versions, metrics and reject records out
 * ({@link dev.headstream.core.wire.OutputMessages}, {@link dev.headstream.core.wire.HeadCodec}),
 * and the adapter-state changelog ({@link dev.headstream.core.wire.UserStateCodec}).
 *
 * <p>May use the domain packages ({@code core.ingest}, {@code core.adapt.state},
 * {@code core.adapt.task}, {@code core.adapt.control}, {@code core.embed}, {@code core.head},
 * {@code core.monitor}, {@code core.detect}) and the generated schemas; never the engine.
 */
package dev.headstream.core.wire;
