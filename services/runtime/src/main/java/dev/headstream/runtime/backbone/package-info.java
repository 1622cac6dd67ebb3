/**
 * Frozen ONNX backbones on ONNX Runtime, behind core's {@link dev.headstream.core.embed.Backbone}:
 * {@link dev.headstream.runtime.backbone.WakeWordBackbone} (openWakeWord's streaming audio front
 * end: mel spectrogram and embedding model), {@link dev.headstream.runtime.backbone.OnnxTensorBackbone}
 * (any single ONNX model with one float input and output) and
 * {@link dev.headstream.runtime.backbone.OrtSessions} (long-lived sessions, CUDA when asked for and
 * present, CPU otherwise).
 *
 * <p>The only package whose types hold ONNX Runtime objects ({@code ai.onnxruntime}); sessions and
 * tensors never leave it. May use core ({@code embed}) and this module's {@code onnx} graph
 * rewrites.
 */
package dev.headstream.runtime.backbone;
