package dev.headstream.core.head;

/**
 * A training engine for one source head at one trainable depth: it creates per-user heads that
 * start at the source weights, scores windows with them and applies mini-batch training steps.
 * The native engine ({@link NativeHeadEngine}) is the hot path; a reference engine (the
 * Deeplearning4j one in {@code services/dl4j}) implements the same contract so that parity tests
 * and benchmarks can drive both with identical calls.
 *
 * <p>Lifecycle: construct (fixes source head, trainable top {@code k} and {@link TrainingConfig}),
 * then {@link #newUser()} any number of times, then {@link #score} / {@link #trainStep} /
 * {@link #trainableParameters} on those users in any order, then {@link #close()}. A
 * {@link User} is only valid with the engine that created it.
 *
 * <p>Thread-safety: engines are not thread-safe; drive one engine (and its users) from one thread
 * at a time. Every window is a flat {@code float[]} of {@code architecture().inputDim()} values.
 */
public interface HeadEngine extends AutoCloseable {

    /** Opaque per-user state: the trainable tail and its optimizer state, in the engine's own form. */
    interface User {}

    /** Short engine name for reports, e.g. {@code native} or {@code dl4j}. */
    String name();

    /** The source head every user starts from. */
    SourceHead source();

    /** Trainable top {@code k} parameterised layers (see {@link HeadArchitecture#firstTrainableLayer}). */
    int trainableTopK();

    /** A new user head at the source weights with fresh optimizer state. */
    User newUser();

    /** The user's adapted score ({@code sigmoid(logit)}) for the window at {@code input[offset ..]}. */
    float score(User user, float[] input, int offset);

    /**
     * One optimizer step on a mini-batch of {@code targets.length} windows laid out back to back in
     * {@code windows} (sample weight 1 each): the mean binary cross-entropy over the batch, plus
     * L2-SP where the engine supports it ({@link #supportsL2Sp()}).
     *
     * @return the batch's mean loss before the update
     */
    float trainStep(User user, float[] windows, float[] targets);

    /** A copy of the user's trainable tail, laid out as {@link HeadArchitecture} describes. */
    float[] trainableParameters(User user);

    /** Whether {@link TrainingConfig#l2SpLambda()} is honoured; engines that cannot must reject a non-zero lambda. */
    boolean supportsL2Sp();

    /** Releases engine resources; idempotent. */
    @Override
    void close();
}
