package dev.headstream.core.embed;

import java.util.List;
import java.util.OptionalInt;

/**
 * A frozen feature extractor: inputs in, embedding sequences out. Implementations own their
 * native sessions; one instance lives for the whole service.
 *
 * <p>Lifecycle: construct (the model contract is checked there, failing with an exact message)
 * -> {@link #embed} any number of times, from any number of threads -> {@link #close()} once
 * (idempotent). {@link #embed} is thread-safe.
 */
public interface Backbone extends AutoCloseable {

    /** Identity and shapes of this backbone. */
    BackboneInfo info();

    /**
     * Embeds every input, batching the backbone runs across inputs where the model allows it.
     *
     * @throws IllegalArgumentException if an input does not fit the model (wrong kind, rate, shape or length);
     *                                  call {@link #validate} first to reject single inputs
     */
    List<EmbeddingSequence> embed(List<? extends BackboneInput> inputs);

    /**
     * {@link #embed}, with each sequence's {@link EmbeddingSequence#frontEnd() front-end frames}
     * attached where this backbone has a front end (the same embeddings, the front end run once);
     * for poolings that read the signal below the embeddings. By default, {@link #embed}: no frames.
     */
    default List<EmbeddingSequence> embedWithFrontEnd(List<? extends BackboneInput> inputs) {
        return embed(inputs);
    }

    /**
     * Values per front-end frame that {@link #embedWithFrontEnd} attaches (32 log-mel bands for the
     * wake-word backbone); 0 when it attaches none (the default).
     */
    default int frontEndBins() {
        return 0;
    }

    /**
     * Whether each input's embedding is computed on its own, so that it is the same floats whatever
     * other inputs share the {@link #embed} call: then an engine may split a batch's inputs across
     * threads. False when runs are batched across inputs (a batched model's floats can depend on
     * the batch), and by default.
     */
    default boolean embedsEachInputAlone() {
        return false;
    }

    /**
     * Checks that {@code input} can be embedded.
     *
     * @throws IllegalArgumentException with a message naming the problem
     */
    void validate(BackboneInput input);

    /**
     * The shortest audio input, in samples, whose embedding sequence has {@code frames} frames;
     * empty for a backbone that does not take audio (used to explain a too-short clip).
     */
    default OptionalInt audioSamplesFor(int frames) {
        return OptionalInt.empty();
    }

    @Override
    void close();
}
