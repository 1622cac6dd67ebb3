package dev.headstream.cli.evaluate;

import dev.headstream.core.adapt.task.ClipScorer;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import java.util.Locale;
import java.util.Objects;

/**
 * A head under evaluation: an MLP wake-word head (the source head, or a user's adapted head as
 * exported), the threshold it accepts at, and where both came from. Built by {@link HeadLoader}.
 *
 * <p>Immutable; the parameters are shared read-only. A head is scored with a {@link ClipScorer}
 * from {@link #newScorer()}, one per thread. Compared by identity: a head used for several users
 * is one head.
 */
public final class EvalHead {

    /** Windows of consecutive embeddings a wake-word head reads (16 x 80 ms). */
    public static final int WINDOW_FRAMES = 16;

    /** Whether the head is the shared source head or a user's adapted head. */
    public enum Role {
        SOURCE,
        ADAPTED;

        /** {@code source} or {@code adapted}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final String name;
    private final Role role;
    private final String origin;
    private final SourceHead model;
    private final float threshold;
    private final String thresholdFrom;
    private final String backboneSha256;
    private final MlpHead mlp;
    private final float[] parameters;
    private final float logitThreshold;

    /**
     * @param name           how reports name it, e.g. {@code hey_jarvis_v0.1} or {@code acme/alice/wake v7}
     * @param origin         the file or topic it was read from
     * @param model          its architecture and parameters
     * @param threshold      accept a window when its score ({@code sigmoid(logit)}) is {@code >=} this
     * @param thresholdFrom  where the threshold came from, for reports
     * @param backboneSha256 the backbone the head was trained on, from its metadata ({@code ""} if unknown)
     */
    public EvalHead(
            String name,
            Role role,
            String origin,
            SourceHead model,
            float threshold,
            String thresholdFrom,
            String backboneSha256) {
        this.name = Objects.requireNonNull(name, "name");
        this.role = Objects.requireNonNull(role, "role");
        this.origin = Objects.requireNonNull(origin, "origin");
        this.model = Objects.requireNonNull(model, "model");
        this.thresholdFrom = Objects.requireNonNull(thresholdFrom, "thresholdFrom");
        this.backboneSha256 = Objects.requireNonNull(backboneSha256, "backboneSha256");
        this.threshold = threshold;
        this.logitThreshold = Thresholds.logitOf(threshold);
        this.mlp = new MlpHead(model.architecture(), 1);
        this.parameters = model.parameters();
    }

    public String name() {
        return name;
    }

    public Role role() {
        return role;
    }

    public String origin() {
        return origin;
    }

    /** SHA-256 of the model bytes it was imported from. */
    public String sha256() {
        return model.sha256();
    }

    public float threshold() {
        return threshold;
    }

    /** {@link Thresholds#logitOf} of {@link #threshold()}: a window is accepted when its logit is {@code >=} this. */
    public float logitThreshold() {
        return logitThreshold;
    }

    public String thresholdFrom() {
        return thresholdFrom;
    }

    public String backboneSha256() {
        return backboneSha256;
    }

    /** A scorer of this head's plain weights (score with {@code trainable == null}); one per thread. */
    public ClipScorer newScorer() {
        return new ClipScorer(mlp, parameters, WINDOW_FRAMES);
    }

    @Override
    public String toString() {
        return role.label() + " head " + name + " (" + origin + ") at " + threshold;
    }
}
