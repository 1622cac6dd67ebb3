package dev.headstream.core.adapt.task;

import dev.headstream.core.embed.ClipPooling;
import dev.headstream.core.ingest.TaskKind;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How the heads of a class task (multi-class or multi-label) are built and trained. Every user's
 * head starts from the same fresh head, drawn from {@code startSeed} (see {@link ClassHeadTask}),
 * and trains on the user's labeled samples: each training sample is remembered in a replay buffer
 * and followed by {@code steps} Adam steps on mini-batches of the newest sample and replayed ones,
 * with an L2 pull toward the start head.
 *
 * @param kind            {@link TaskKind.Type#MULTI_CLASS} or {@link TaskKind.Type#MULTI_LABEL}
 * @param labels          the output names, in output order (2 or more classes; 1 or more labels)
 * @param startSeed       the seed the start head is drawn from ({@code start=fresh:<seed>})
 * @param hidden          width of the hidden layer; 0: none (a linear head on the normalised input)
 * @param learningRate    Adam's learning rate
 * @param l2sp            strength of the L2 pull toward the start head
 * @param maxGradientNorm clip of each step's gradient norm ({@code +inf}: no clipping)
 * @param steps           optimizer steps per training sample
 * @param batch           examples per step: the newest sample and {@code batch - 1} drawn from the replay buffer
 * @param replayBuffer    labeled examples a head remembers (the oldest leaves first)
 * @param pooling         how a clip becomes the head's input: {@code mean-std} of the embeddings
 *                        (the default; what was said) or {@code mel-cepstrum} of the front end's
 *                        frames (who said it)
 * @param inputTransform  a frozen linear map in front of the head ({@link
 *                        dev.headstream.core.head.InputTransform}'s file), read when the task is
 *                        built; empty: none
 * @param inputTransformSha256 the SHA-256 the transform's file must have (64 lowercase hex digits),
 *                        checked when the task is built; empty: not checked. A file that changes
 *                        changes every head's start, so its heads restore as RESET: a pin makes
 *                        that a refusal at start-up instead
 */
public record ClassRecipe(
        TaskKind.Type kind,
        List<String> labels,
        long startSeed,
        int hidden,
        float learningRate,
        float l2sp,
        float maxGradientNorm,
        int steps,
        int batch,
        int replayBuffer,
        ClipPooling pooling,
        Optional<Path> inputTransform,
        Optional<String> inputTransformSha256) {

    /** Most outputs a class task may have. */
    public static final int MAX_OUTPUTS = 256;

    /** Most examples a head's replay buffer may hold. */
    public static final int MAX_REPLAY = 4096;

    /** Longest output name. */
    public static final int MAX_LABEL_CHARS = 64;

    /** A recipe without an input transform. */
    public ClassRecipe(
            TaskKind.Type kind,
            List<String> labels,
            long startSeed,
            int hidden,
            float learningRate,
            float l2sp,
            float maxGradientNorm,
            int steps,
            int batch,
            int replayBuffer,
            ClipPooling pooling) {
        this(
                kind,
                labels,
                startSeed,
                hidden,
                learningRate,
                l2sp,
                maxGradientNorm,
                steps,
                batch,
                replayBuffer,
                pooling,
                Optional.empty(),
                Optional.empty());
    }

    /** A recipe with {@link ClipPooling#MEAN_STD mean-std} pooling. */
    public ClassRecipe(
            TaskKind.Type kind,
            List<String> labels,
            long startSeed,
            int hidden,
            float learningRate,
            float l2sp,
            float maxGradientNorm,
            int steps,
            int batch,
            int replayBuffer) {
        this(
                kind,
                labels,
                startSeed,
                hidden,
                learningRate,
                l2sp,
                maxGradientNorm,
                steps,
                batch,
                replayBuffer,
                ClipPooling.MEAN_STD);
    }

    public ClassRecipe {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(inputTransform, "inputTransform");
        Objects.requireNonNull(inputTransformSha256, "inputTransformSha256");
        if (inputTransformSha256.isPresent()) {
            if (inputTransform.isEmpty()) {
                throw new IllegalArgumentException(
                        "input-transform-sha256 pins a transform, and input-transform names none");
            }
            if (!inputTransformSha256.get().matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("input-transform-sha256 must be 64 lowercase hex digits, got '"
                        + inputTransformSha256.get() + "'");
            }
        }
        labels = List.copyOf(labels);
        if (kind == TaskKind.Type.BINARY) {
            throw new IllegalArgumentException("a class task is multi-class or multi-label, not binary");
        }
        int least = kind == TaskKind.Type.MULTI_CLASS ? 2 : 1;
        if (labels.size() < least || labels.size() > MAX_OUTPUTS) {
            throw new IllegalArgumentException("labels: a " + kindName(kind) + " task needs " + least + " to "
                    + MAX_OUTPUTS + " labels, got " + labels.size());
        }
        Set<String> seen = new HashSet<>();
        for (String l : labels) {
            if (l.isBlank() || l.length() > MAX_LABEL_CHARS || !l.equals(l.strip()) || l.contains(",")) {
                throw new IllegalArgumentException("labels: label '" + l + "' must be 1 to " + MAX_LABEL_CHARS
                        + " characters without surrounding spaces or commas");
            }
            if (!seen.add(l)) {
                throw new IllegalArgumentException("labels: label '" + l + "' is listed twice");
            }
        }
        if (hidden < 0 || hidden > 4096) {
            throw new IllegalArgumentException("hidden must be 0 (no hidden layer) to 4096, got " + hidden);
        }
        if (!(learningRate > 0f) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning-rate must be positive and finite, got " + learningRate);
        }
        if (!(l2sp >= 0f) || Float.isInfinite(l2sp)) {
            throw new IllegalArgumentException("l2sp must be non-negative and finite, got " + l2sp);
        }
        if (!(maxGradientNorm > 0f)) {
            throw new IllegalArgumentException("max-gradient-norm must be positive, got " + maxGradientNorm);
        }
        if (steps < 0 || steps > 1000) {
            throw new IllegalArgumentException("replay-steps must be 0 to 1000, got " + steps);
        }
        if (batch < 1 || batch > 1024) {
            throw new IllegalArgumentException("batch-size must be 1 to 1024, got " + batch);
        }
        if (replayBuffer < 1 || replayBuffer > MAX_REPLAY) {
            throw new IllegalArgumentException("replay-buffer must be 1 to " + MAX_REPLAY + ", got " + replayBuffer);
        }
    }

    /** The defaults for a task of {@code kind} with {@code labels}, started from {@code fresh:<startSeed>}. */
    public static ClassRecipe defaults(TaskKind.Type kind, List<String> labels, long startSeed) {
        return new ClassRecipe(
                kind,
                labels,
                startSeed,
                DEFAULT_HIDDEN,
                DEFAULT_LEARNING_RATE,
                DEFAULT_L2SP,
                DEFAULT_MAX_GRADIENT_NORM,
                DEFAULT_STEPS,
                DEFAULT_BATCH,
                DEFAULT_REPLAY_BUFFER);
    }

    /** The defaults of {@link #defaults}, for readers that set some of them before the labels are known. */
    public static final int DEFAULT_HIDDEN = 64;

    public static final float DEFAULT_LEARNING_RATE = 3e-3f;
    public static final float DEFAULT_L2SP = 1e-4f;
    public static final float DEFAULT_MAX_GRADIENT_NORM = 5f;
    public static final int DEFAULT_STEPS = 8;
    public static final int DEFAULT_BATCH = 8;
    public static final int DEFAULT_REPLAY_BUFFER = 64;

    /**
     * The record's usual text, without {@code pooling} when it is the default {@code mean-std} and
     * without {@code inputTransform} and its pin: the engine's state fingerprint includes this text, and a store
     * written before class tasks had a pooling is still this task's. A transform's contents enter the
     * fingerprint through the task's start head ({@link ClassHeadTask#toString}), not its path.
     */
    @Override
    public String toString() {
        return "ClassRecipe[kind=" + kind + ", labels=" + labels + ", startSeed=" + startSeed + ", hidden=" + hidden
                + ", learningRate=" + learningRate + ", l2sp=" + l2sp + ", maxGradientNorm=" + maxGradientNorm
                + ", steps=" + steps + ", batch=" + batch + ", replayBuffer=" + replayBuffer
                + (pooling == ClipPooling.MEAN_STD ? "" : ", pooling=" + pooling) + "]";
    }

    /** This recipe with a hidden layer of {@code width} (0: none, a linear head). */
    public ClassRecipe withHidden(int width) {
        return new ClassRecipe(
                kind,
                labels,
                startSeed,
                width,
                learningRate,
                l2sp,
                maxGradientNorm,
                steps,
                batch,
                replayBuffer,
                pooling,
                inputTransform,
                inputTransformSha256);
    }

    /** This recipe with {@code transform}, not pinned. */
    public ClassRecipe withInputTransform(Optional<Path> transform) {
        return new ClassRecipe(
                kind,
                labels,
                startSeed,
                hidden,
                learningRate,
                l2sp,
                maxGradientNorm,
                steps,
                batch,
                replayBuffer,
                pooling,
                transform,
                Optional.empty());
    }

    /** The output count. */
    public int outputs() {
        return labels.size();
    }

    /** The task kind the sample decoder checks labels against. */
    public TaskKind taskKind() {
        return new TaskKind(kind, outputs());
    }

    /** {@code multi-class} or {@code multi-label}: the configuration's name of {@code kind}. */
    public static String kindName(TaskKind.Type kind) {
        return kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The configuration's {@code start} value: {@code fresh:<seed>}. */
    public String start() {
        return "fresh:" + startSeed;
    }
}
