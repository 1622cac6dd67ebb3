/**
 * ONNX model files as data: importing openWakeWord-style heads as core
 * {@link dev.headstream.core.head.SourceHead}s ({@link dev.headstream.runtime.onnx.OnnxHeadImporter}),
 * exporting adapted heads as standalone ONNX models with the source head's interface, and class
 * heads with a pooled-input interface ({@link dev.headstream.runtime.onnx.OnnxHeadExporter}), and the graph rewrites the backbones and
 * parity checks need ({@link dev.headstream.runtime.onnx.MelBatchGraph},
 * {@link dev.headstream.runtime.onnx.SequenceEmbeddingGraph},
 * {@link dev.headstream.runtime.onnx.OnnxHeadGraphs}).
 *
 * <p>Reads and writes models with the project's own subset of the ONNX schema
 * ({@code dev.headstream.schemas.onnx}, protobuf only); no ONNX Runtime here. May use core
 * ({@code head}) and the schemas module.
 */
package dev.headstream.runtime.onnx;
