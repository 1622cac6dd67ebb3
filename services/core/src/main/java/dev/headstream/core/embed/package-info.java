/**
 * The frozen backbone's contract: {@link dev.headstream.core.embed.Backbone} turns
 * {@link dev.headstream.core.embed.BackboneInput}s (audio or tensors) into
 * {@link dev.headstream.core.embed.EmbeddingSequence}s; half-precision storage, model files and
 * execution options. Implementations on ONNX Runtime live in the runtime module.
 *
 * <p>Uses no other core package.
 */
package dev.headstream.core.embed;
