/**
 * Task heads on flat {@code float[]} parameters: architecture, forward and backward passes,
 * optimizers and conservative mini-batch training.
 *
 * <p>Memory model: a {@link dev.headstream.core.head.SourceHead}'s full parameter array is shared
 * read-only by all users; a user holds only the trainable tail (top {@code k} parameterised
 * layers) and its {@link dev.headstream.core.head.OptimizerState}; every thread holds one
 * {@link dev.headstream.core.head.MlpHead.Workspace} (inside a
 * {@link dev.headstream.core.head.HeadTrainer} for training). Framework-free: no ONNX, ND4J or
 * Kafka types here.
 */
package dev.headstream.core.head;
