package dev.headstream.core.adapt.engine;

import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneInfo;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.embed.FrontEndFrames;
import java.util.ArrayList;
import java.util.List;

/**
 * A backbone for engine tests without native models: a {@code [frames, dim]} float tensor is its own
 * embedding sequence; any other input is refused. With a front end, the same tensor is also the
 * front-end frames that {@link #embedWithFrontEnd} attaches ({@code dim} bands per frame).
 */
final class TensorBackbone implements Backbone {

    private final String id;
    private final String sha256;
    private final int frames;
    private final int dim;
    private final boolean frontEnd;

    /**
     * @param id     the backbone's id in {@link #info()}
     * @param sha256 its SHA-256 there
     * @param frames frames of every accepted tensor
     * @param dim    values per frame
     */
    TensorBackbone(String id, String sha256, int frames, int dim) {
        this(id, sha256, frames, dim, false);
    }

    /** @param frontEnd whether {@link #embedWithFrontEnd} attaches the tensor as front-end frames */
    TensorBackbone(String id, String sha256, int frames, int dim, boolean frontEnd) {
        this.id = id;
        this.sha256 = sha256;
        this.frames = frames;
        this.dim = dim;
        this.frontEnd = frontEnd;
    }

    @Override
    public List<EmbeddingSequence> embedWithFrontEnd(List<? extends BackboneInput> inputs) {
        List<EmbeddingSequence> out = embed(inputs);
        if (!frontEnd) {
            return out;
        }
        return out.stream()
                .map(e -> e.withFrontEnd(
                        new FrontEndFrames(frames, dim, e.values().clone())))
                .toList();
    }

    @Override
    public int frontEndBins() {
        return frontEnd ? dim : 0;
    }

    @Override
    public BackboneInfo info() {
        return new BackboneInfo(id, sha256, dim, "cpu");
    }

    @Override
    public boolean embedsEachInputAlone() {
        return true;
    }

    @Override
    public List<EmbeddingSequence> embed(List<? extends BackboneInput> inputs) {
        List<EmbeddingSequence> out = new ArrayList<>(inputs.size());
        for (BackboneInput in : inputs) {
            validate(in);
            out.add(new EmbeddingSequence(
                    frames, dim, ((BackboneInput.Tensor) in).values().clone()));
        }
        return out;
    }

    @Override
    public void validate(BackboneInput input) {
        if (!(input instanceof BackboneInput.Tensor t)
                || t.shape().length != 2
                || t.shape()[0] != frames
                || t.shape()[1] != dim) {
            throw new IllegalArgumentException("this test backbone takes [" + frames + ", " + dim + "] tensors");
        }
    }

    @Override
    public void close() {}
}
