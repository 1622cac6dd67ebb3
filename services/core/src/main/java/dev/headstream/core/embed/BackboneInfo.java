package dev.headstream.core.embed;

/**
 * Identity and shapes of a backbone.
 *
 * @param id             short name, e.g. {@code openwakeword-embedding}
 * @param sha256         SHA-256 over the model files (concatenated digests when there are several)
 * @param embeddingDim   floats per embedding frame
 * @param executionProvider where inference runs, e.g. {@code CPU} or {@code CUDA:0}
 */
public record BackboneInfo(String id, String sha256, int embeddingDim, String executionProvider) {}
