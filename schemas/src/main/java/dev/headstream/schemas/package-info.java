/**
 * Hand-written companions of the wire contracts: {@link dev.headstream.schemas.Topics}, the topic
 * names that code and tests share. The messages themselves are generated at build time from
 * {@code src/main/proto}: {@code dev.headstream.schemas.v1} ({@code Sample}, {@code HeadUpdate},
 * {@code AdaptationMetrics}, {@code Rejected}, {@code Control}, {@code AdapterState}) and
 * {@code dev.headstream.schemas.onnx} (the project's own subset of the ONNX model schema).
 *
 * <p>May use protobuf-java only; every other module may use this one.
 */
package dev.headstream.schemas;
