/**
 * Task heads on flat {@code float[]} parameters: architecture, forward and backward passes,
 * optimizers and conservative mini-batch training.
 *
 * <p>Head types: {@link dev.headstream.core.head.MlpHead} (binary, the shape of imported
 * openWakeWord heads); {@link dev.headstream.core.head.TaskHead} (any
 * {@link dev.headstream.core.head.HeadOutput}: binary, softmax, masked multi-label; dropout;
 * {@link dev.headstream.core.head.Distillation} toward the source), trained by
 * {@link dev.headstream.core.head.TaskHeadTrainer}; {@link dev.headstream.core.head.PrototypeHead}
 * (class means, cosine scoring, one-/few-shot); {@link dev.headstream.core.head.FusionHead}
 * (weighted average of source and adapted outputs).
 *
 * <p>Memory model: a {@link dev.headstream.core.head.SourceHead}'s full parameter array is shared
 * read-only by all users; a user holds only the trainable tail (top {@code k} parameterised
 * layers) and its {@link dev.headstream.core.head.OptimizerState}; every thread holds one
 * {@link dev.headstream.core.head.MlpHead.Workspace} or
 * {@link dev.headstream.core.head.TaskHead.Workspace} (inside a trainer for training).
 * Framework-free: no ONNX, ND4J or Kafka types here.
 *
 * <p>Uses no other core package.
 */
package dev.headstream.core.head;
