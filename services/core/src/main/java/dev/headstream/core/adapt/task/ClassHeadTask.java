package dev.headstream.core.adapt.task;

import dev.headstream.core.adapt.state.ClassHeadState;
import dev.headstream.core.embed.ClipPooling;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.embed.MelCepstrumPooling;
import dev.headstream.core.head.Adam;
import dev.headstream.core.head.HeadLayer;
import dev.headstream.core.head.HeadOutput;
import dev.headstream.core.head.InputTransform;
import dev.headstream.core.head.TaskArchitecture;
import dev.headstream.core.head.TaskHead;
import dev.headstream.core.head.TaskHeadTrainer;
import dev.headstream.core.head.TrainingConfig;
import dev.headstream.core.ingest.Label;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.TaskKind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * One class task (multi-class or multi-label, {@link ClassRecipe}) of the engine: one head per
 * user, trained online from the user's labeled samples. Samples may carry labels for any subset of
 * a multi-label task's outputs; an unlabeled output adds no loss and gets no gradient.
 *
 * <p><b>Input.</b> A class head reads one vector per sample, whatever its length, pooled as the
 * recipe says ({@link ClipPooling}): by default the mean of the backbone's embedding frames
 * followed by their population standard deviation, per dimension ({@code mean-std} pooling,
 * {@code 2 * dim} values, summed in double in frame order); with {@code mel-cepstrum}, the same
 * statistics of the front end's cepstra and their deltas ({@link MelCepstrumPooling}, 76 values),
 * which carry the voice where the embeddings carry the words. So a speaker or a phrase label fits a
 * clip of any length, where a binary wake-word head scores windows.
 *
 * <p><b>Head.</b> LayerNorm over the pooled input, Dense to {@code hidden}, ReLU, Dense to the
 * outputs ({@code hidden} 0: LayerNorm, then Dense to the outputs, a linear head); softmax for
 * multi-class, one sigmoid per output for multi-label. Every parameter trains, but an input
 * transform's (below).
 * The start head ({@code fresh:<seed>}) draws the hidden Dense layer's weights from N(0, 2 / fan-in)
 * with {@link SplittableRandom}{@code (seed)}, LayerNorm gamma 1 and every other parameter 0, so
 * the start head scores every class alike ("no opinion yet"). Its SHA-256 (parameters as float32
 * LE) names it in every head's provenance.
 *
 * <p><b>Input transform.</b> A recipe that names one ({@link ClassRecipe#inputTransform()},
 * {@link InputTransform}) puts it in front as a Dense layer that never trains: the head reads
 * {@code W x + b} of the pooled input. Its parameters are part of the start head (and so of its
 * SHA-256) and of every published version; a user's state holds only the layers that train.
 *
 * <p><b>Training.</b> A training sample is scored first by the start head and the user's head
 * (prequential, per output too), then remembered in the replay buffer, then followed by
 * {@link ClassRecipe#steps()} Adam steps, each on the newest sample plus {@code batch - 1} examples
 * drawn from the replay buffer by a generator seeded from the head's seed and the sample count, with
 * an L2 pull toward the start head. A holdout sample is only scored. A frozen head is scored and
 * counted, not trained. The same ordered samples give the same head bits: no wall clock, no shared
 * random state, fixed reduction order.
 *
 * <p>Thread-safety: the task's fields are immutable; scratch memory (workspace, gradient batch)
 * is per thread, so worker threads share one instance.
 */
public final class ClassHeadTask {

    private static final float LAYER_NORM_EPSILON = 1e-5f;

    /**
     * Revision of how a class head's changelog entry is written and checked; part of the engine's
     * state fingerprint, so a local store written under other rules is rebuilt from the changelog.
     */
    public static final int CODEC_REVISION = 2;

    /** What a sample scored, before training on it. */
    public record Scores(double startLoss, double adaptedLoss, boolean startRight, boolean adaptedRight) {}

    private final String name;
    private final ClassRecipe recipe;
    private final int embeddingDim;
    private final TaskArchitecture architecture;
    private final TaskHead head;
    private final TrainingConfig training;
    private final InputTransform transform;
    private final float[] start;
    private final float[] startTrainable;
    private final String startSha256;
    private final ThreadLocal<Scratch> scratch;

    /**
     * A task whose recipe names no input transform.
     *
     * @param embeddingDim the backbone's embedding width (the {@code mean-std} pooled input is twice as wide)
     * @throws IllegalArgumentException if the recipe names a transform: read it (where the models
     *                                  are) and pass it to the four-argument constructor
     */
    public ClassHeadTask(String name, ClassRecipe recipe, int embeddingDim) {
        this(name, recipe, embeddingDim, null);
    }

    /**
     * @param embeddingDim the backbone's embedding width (the {@code mean-std} pooled input is twice as wide)
     * @param transform    the transform the recipe names, read (null: none; it must be null when the
     *                     recipe names none)
     * @throws IllegalArgumentException if the transform does not read the recipe's pooling
     */
    public ClassHeadTask(String name, ClassRecipe recipe, int embeddingDim, InputTransform transform) {
        this.name = Objects.requireNonNull(name, "name");
        this.recipe = Objects.requireNonNull(recipe, "recipe");
        if (embeddingDim < 1) {
            throw new IllegalArgumentException("embedding dim must be positive, got " + embeddingDim);
        }
        this.embeddingDim = embeddingDim;
        HeadOutput output = recipe.kind() == TaskKind.Type.MULTI_CLASS
                ? HeadOutput.softmax(recipe.outputs())
                : HeadOutput.multiLabel(recipe.outputs());
        if ((transform == null) != recipe.inputTransform().isEmpty()) {
            throw new IllegalArgumentException("task '" + name + "': the recipe names "
                    + recipe.inputTransform().map(p -> "input transform " + p).orElse("no input transform")
                    + " but " + (transform == null ? "none" : "one") + " was given");
        }
        if (transform != null
                && recipe.inputTransformSha256().isPresent()
                && !recipe.inputTransformSha256().get().equals(transform.sha256())) {
            throw new IllegalArgumentException("task '" + name + "': the input transform's SHA-256 is "
                    + transform.sha256() + ", and input-transform-sha256 pins "
                    + recipe.inputTransformSha256().get()
                    + " (a changed transform would restart every head of the task)");
        }
        int width = recipe.pooling().width(embeddingDim);
        if (transform != null && (transform.pooling() != recipe.pooling() || transform.inputs() != width)) {
            throw new IllegalArgumentException("task '" + name + "': " + transform + " reads "
                    + transform.pooling().label() + " vectors of " + transform.inputs() + " values; the task pools "
                    + recipe.pooling().label() + " vectors of " + width);
        }
        this.transform = transform;
        TaskArchitecture.Builder layers = TaskArchitecture.builder(width);
        if (transform != null) {
            layers.dense(transform.outputs());
        }
        layers.layerNorm(LAYER_NORM_EPSILON);
        if (recipe.hidden() > 0) {
            layers.dense(recipe.hidden()).relu();
        }
        this.architecture = layers.dense(recipe.outputs()).build(output);
        this.head = new TaskHead(architecture, architecture.parameterisedLayerCount() - (transform == null ? 0 : 1));
        this.training = TrainingConfig.of(Adam.of(recipe.learningRate()))
                .withL2Sp(recipe.l2sp())
                .withMaxGradientNorm(recipe.maxGradientNorm());
        this.start = drawStart(architecture, recipe.startSeed(), transform);
        this.startTrainable = head.initialTrainable(start);
        this.startSha256 = sha256(start);
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(head, training, recipe.outputs()));
    }

    /** Per-thread scratch: the workspace and trainer write, so each thread has its own. */
    private static final class Scratch {
        final TaskHead.Workspace ws;
        final TaskHeadTrainer trainer;
        final float[] probabilities;
        final float[] startProbabilities;

        Scratch(TaskHead head, TrainingConfig config, int outputs) {
            this.ws = head.newWorkspace();
            this.trainer = new TaskHeadTrainer(head, config);
            this.probabilities = new float[outputs];
            this.startProbabilities = new float[outputs];
        }
    }

    private static float[] drawStart(TaskArchitecture a, long seed, InputTransform transform) {
        float[] p = new float[a.parameterCount()];
        SplittableRandom random = new SplittableRandom(seed);
        List<HeadLayer> layers = a.layers();
        int first = 0;
        if (transform != null) {
            // the frozen first layer: W as Dense stores it ([out][in]), then b
            float[] w = transform.weights();
            System.arraycopy(w, 0, p, a.parameterOffset(0), w.length);
            System.arraycopy(transform.bias(), 0, p, a.parameterOffset(0) + w.length, transform.outputs());
            first = 1;
        }
        for (int i = first; i < layers.size(); i++) {
            int at = a.parameterOffset(i);
            if (layers.get(i) instanceof HeadLayer.Dense d && i < layers.size() - 1) {
                double sd = Math.sqrt(2.0 / d.inputDim());
                for (int w = 0; w < d.inputDim() * d.outputDim(); w++) {
                    p[at + w] = (float) (random.nextGaussian() * sd);
                }
            } else if (layers.get(i) instanceof HeadLayer.LayerNorm n) {
                Arrays.fill(p, at, at + n.dim(), 1f);
            }
        }
        return p;
    }

    private static String sha256(float[] p) {
        ByteBuffer bytes = ByteBuffer.allocate(p.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(p);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    // ---- reading -------------------------------------------------------------------------------

    public String name() {
        return name;
    }

    public ClassRecipe recipe() {
        return recipe;
    }

    /** The head's layers, output and parameter layout. */
    public TaskArchitecture architecture() {
        return architecture;
    }

    /** The start head's parameters (a copy), the frozen input transform's first when there is one. */
    public float[] startParameters() {
        return start.clone();
    }

    /**
     * The start head's trainable parameters (a copy): what a new user's state holds. Without an
     * input transform, every parameter.
     */
    public float[] startTrainable() {
        return startTrainable.clone();
    }

    /** The frozen input transform in front of the head, if the recipe names one. */
    public java.util.Optional<InputTransform> inputTransform() {
        return java.util.Optional.ofNullable(transform);
    }

    /** Layers that train, counted from the top: every parameterised layer but an input transform. */
    public int trainableTopLayers() {
        return head.trainableTopK();
    }

    /**
     * Every parameter of the head {@code s} holds: the frozen ones of the start head, then the
     * user's trainable ones. What a published version carries.
     */
    public float[] publishedParameters(ClassHeadState s) {
        return publishedParameters(s.liveParameters());
    }

    /** Every parameter of a head whose trainable ones are {@code trainable}. */
    public float[] publishedParameters(float[] trainable) {
        if (trainable.length != startTrainable.length) {
            throw new IllegalArgumentException(
                    "task '" + name + "' trains " + startTrainable.length + " parameters, got " + trainable.length);
        }
        if (trainable.length == start.length) {
            return trainable.clone();
        }
        float[] all = start.clone();
        System.arraycopy(trainable, 0, all, head.trainableOffset(), trainable.length);
        return all;
    }

    /** The start head's id in provenance: {@code fresh:<seed>}. */
    public String startId() {
        return recipe.start();
    }

    /** SHA-256 of the start head's parameters as float32 LE. */
    public String startSha256() {
        return startSha256;
    }

    /** The backbone embedding width this task's heads were built for. */
    public int embeddingDim() {
        return embeddingDim;
    }

    /**
     * The most bytes one user's head of this task takes in a changelog record, with a full replay
     * buffer: parameters and Adam's two slots as float32, each example's pooled input, targets and
     * mask, and the per-output and fixed fields (an upper bound; the heap holds about as much).
     */
    public long maxStateBytes() {
        long p = startTrainable.length;
        int outputs = recipe.outputs();
        long example = 4L * architecture.inputDim() + 5L * outputs + 32;
        long labels = 0;
        for (String l : recipe.labels()) {
            labels += l.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 3;
        }
        return 12L * p + recipe.replayBuffer() * example + 32L * outputs + labels + 1024;
    }

    /** Bytes of every parameter as float32: what a published version carries. */
    public long publishedBytes() {
        return 4L * architecture.parameterCount();
    }

    // ---- per head ------------------------------------------------------------------------------

    /** A new head for {@code headId} at the start. */
    public ClassHeadState newState(String headId) {
        return new ClassHeadState(
                headId,
                BinaryHeadTask.seedOf(headId),
                startTrainable,
                training.optimizer().newState(startTrainable.length),
                recipe.outputs());
    }

    /** Why {@code e} cannot be this task's input, or null. */
    public String unfit(EmbeddingSequence e) {
        if (e.dim() != embeddingDim) {
            return "task '" + name + "' reads embeddings of " + embeddingDim + " values; the backbone gave " + e.dim();
        }
        if (e.frames() < 1) {
            return "task '" + name + "' needs at least one embedding frame; the sample gave none";
        }
        String why = recipe.pooling().unfit(e);
        return why == null ? null : "task '" + name + "': " + why;
    }

    /** The head's input for {@code e}: pooled as the recipe says ({@link ClipPooling#pool}). */
    public float[] pool(EmbeddingSequence e) {
        return recipe.pooling().pool(e);
    }

    /** How this task's heads pool a clip. */
    public ClipPooling pooling() {
        return recipe.pooling();
    }

    /**
     * Scores {@code e} against {@code label} and, for a training sample of an unfrozen head, trains
     * on it (see the class comment). Changes {@code s} in place: call it on a copy of the user.
     *
     * @throws IllegalStateException if a training step's loss or gradient is not finite (the
     *                               caller drops the copy: the head is unchanged)
     */
    public Scores apply(ClassHeadState s, EmbeddingSequence e, Label label, float weight, Split split) {
        float[] input = pool(e);
        float[] targets = new float[recipe.outputs()];
        boolean[] mask = targets(label, targets);
        Scratch sc = scratch.get();
        head.probabilities(start, s.liveParameters(), input, 0, sc.ws, sc.probabilities);
        head.sourceProbabilities(start, input, 0, sc.ws, sc.startProbabilities);
        boolean holdout = split == Split.HOLDOUT;
        boolean any = mask == null || anyTrue(mask);
        double adaptedLoss = loss(sc.probabilities, targets, mask);
        double startLoss = loss(sc.startProbabilities, targets, mask);
        boolean adaptedRight = right(sc.probabilities, targets, mask);
        boolean startRight = right(sc.startProbabilities, targets, mask);
        s.seen();
        if (any) {
            s.startScores(holdout).addScored(startLoss, startRight);
            s.adaptedScores(holdout).addScored(adaptedLoss, adaptedRight);
        }
        Scores scores = new Scores(startLoss, adaptedLoss, startRight, adaptedRight);
        if (holdout) {
            return scores;
        }
        if (any) {
            perOutput(s, sc.probabilities, targets, mask);
        }
        if (!any) {
            // labeled for no output of this task: nothing to learn, nothing to score
            s.appliedWithoutLabels();
            return scores;
        }
        if (s.frozen()) {
            s.applied(adaptedLoss, adaptedLoss, false);
            return scores;
        }
        if (recipe.steps() == 0) {
            // no training: nothing to remember either
            s.applied(adaptedLoss, adaptedLoss, false);
            return scores;
        }
        ClassHeadState.Example newest = new ClassHeadState.Example(input, targets, mask, weight);
        s.remember(newest, recipe.replayBuffer());
        train(s, newest, s.samplesApplied() + 1, sc);
        head.probabilities(start, s.liveParameters(), input, 0, sc.ws, sc.probabilities);
        s.applied(adaptedLoss, loss(sc.probabilities, targets, mask), true);
        return scores;
    }

    /**
     * The recipe's steps after {@code newest} joined the replay buffer: each on {@code newest} and
     * {@code batch - 1} examples drawn from the buffer by a generator seeded from the head's seed and
     * {@code index}.
     */
    private void train(ClassHeadState s, ClassHeadState.Example newest, long index, Scratch sc) {
        SplittableRandom random = new SplittableRandom(s.seed() ^ (0x9E3779B97F4A7C15L * index));
        float[] params = s.liveParameters();
        try {
            for (int step = 0; step < recipe.steps(); step++) {
                add(sc.trainer, params, newest);
                for (int b = 1; b < recipe.batch(); b++) {
                    add(sc.trainer, params, s.replayAt(random.nextInt(s.replaySize())));
                }
                sc.trainer.step(start, params, s.liveOptimizer());
            }
        } catch (RuntimeException | Error ex) {
            // the trainer is this thread's, shared by every user it trains next: never leave it
            // holding a half-accumulated batch (the caller drops this user's copy)
            sc.trainer.discardBatch();
            throw ex;
        }
    }

    /**
     * Forgets output {@code o}'s data: drops every replay example of class {@code o}
     * (multi-class), or {@code o}'s label from every example, dropping those left with no label
     * (multi-label); then rebuilds the head from the start on the examples kept, in their order, as
     * if they arrived again (each followed by the recipe's steps); the optimizer starts afresh,
     * {@code o}'s per-output statistics are cleared and the frozen flag stays. The next version is RESET with {@code reason}.
     * What the head learned from examples that had already left the replay buffer is gone too. For a
     * multi-class head from which nothing had left it, the rebuilt head is bit for bit the head a
     * stream without the forgotten class's samples would have trained (the seeds follow the kept
     * examples' order; for a multi-label head a sample labeled only for the forgotten output shifts
     * them, so the rebuild is that head's equal in what it learned, not in its bits).
     *
     * @throws IllegalArgumentException if {@code o} is not an output of this task
     */
    public void forgetOutput(ClassHeadState s, int o, String reason) {
        if (o < 0 || o >= recipe.outputs()) {
            throw new IllegalArgumentException("task '" + name + "' has no output " + o);
        }
        List<ClassHeadState.Example> kept = new java.util.ArrayList<>();
        for (ClassHeadState.Example e : s.replay()) {
            if (e.mask() == null) {
                if (e.targets()[o] != 1f) {
                    kept.add(e);
                }
                continue;
            }
            boolean[] mask = e.mask().clone();
            mask[o] = false;
            float[] targets = e.targets().clone();
            targets[o] = 0f;
            if (anyTrue(mask)) {
                kept.add(new ClassHeadState.Example(e.input(), targets, mask, e.weight()));
            }
        }
        boolean frozen = s.frozen();
        s.reset(startTrainable, training.optimizer().newState(startTrainable.length), reason);
        s.freeze(frozen);
        s.forgetOutputStatistics(o);
        Scratch sc = scratch.get();
        for (int i = 0; i < kept.size(); i++) {
            s.remember(kept.get(i), recipe.replayBuffer());
            // the index a head given only the kept examples would have trained each with: with nothing
            // evicted from the buffer, the rebuilt head is that head, bit for bit
            train(s, kept.get(i), i + 1, sc);
        }
    }

    private void add(TaskHeadTrainer trainer, float[] params, ClassHeadState.Example x) {
        trainer.accumulate(start, params, x.input(), 0, x.targets(), x.mask(), x.weight(), null);
    }

    /**
     * The adapted head's output probabilities for {@code e} (for detectors and tests), given its
     * trainable parameters ({@link ClassHeadState#liveParameters()}).
     */
    public float[] probabilities(float[] parameters, EmbeddingSequence e) {
        Scratch sc = scratch.get();
        float[] out = new float[recipe.outputs()];
        head.probabilities(start, parameters, pool(e), 0, sc.ws, out);
        return out;
    }

    /** Back to the start, keeping the frozen flag and statistics; the next version is ROLLED_BACK. */
    public void operatorRollback(ClassHeadState s, String reason) {
        s.rollBack(startTrainable, training.optimizer().newState(startTrainable.length), reason);
    }

    /** Back to a new head at the start (versions go on); the next version is RESET, with {@code reason}. */
    public void operatorReset(ClassHeadState s, String reason) {
        s.reset(startTrainable, training.optimizer().newState(startTrainable.length), reason);
    }

    /** Fills {@code targets} from {@code label}; returns the mask (null for a multi-class label). */
    private boolean[] targets(Label label, float[] targets) {
        if (label instanceof Label.ClassIndex c
                && recipe.kind() == TaskKind.Type.MULTI_CLASS
                && c.index() >= 0
                && c.index() < targets.length) {
            targets[c.index()] = 1f;
            return null;
        }
        if (label instanceof Label.MultiHot m
                && recipe.kind() == TaskKind.Type.MULTI_LABEL
                && m.targets().length == targets.length
                && m.mask().length == targets.length) {
            System.arraycopy(m.targets(), 0, targets, 0, targets.length);
            return m.mask().clone();
        }
        throw new IllegalArgumentException(
                "task '" + name + "' is " + ClassRecipe.kindName(recipe.kind()) + "; label " + label);
    }

    private static boolean anyTrue(boolean[] mask) {
        for (boolean b : mask) {
            if (b) {
                return true;
            }
        }
        return false;
    }

    private static double logLoss(double p, boolean positive) {
        double c = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
        return positive ? -Math.log(c) : -Math.log(1 - c);
    }

    /** The sample's log loss: of its class, or summed over its labeled outputs. */
    private static double loss(float[] p, float[] targets, boolean[] mask) {
        if (mask == null) {
            return logLoss(p[argmax(targets)], true);
        }
        double sum = 0;
        for (int o = 0; o < p.length; o++) {
            if (mask[o]) {
                sum += logLoss(p[o], targets[o] == 1f);
            }
        }
        return sum;
    }

    /** Right: the class ranked first (ties to the lowest index), or every labeled output on its side of 0.5. */
    private static boolean right(float[] p, float[] targets, boolean[] mask) {
        if (mask == null) {
            return argmax(p) == argmax(targets);
        }
        for (int o = 0; o < p.length; o++) {
            if (mask[o] && (p[o] >= 0.5f) != (targets[o] == 1f)) {
                return false;
            }
        }
        return true;
    }

    private static void perOutput(ClassHeadState s, float[] p, float[] targets, boolean[] mask) {
        if (mask == null) {
            int c = argmax(targets);
            s.recordOutput(c, argmax(p) == c, logLoss(p[c], true));
            return;
        }
        for (int o = 0; o < p.length; o++) {
            if (mask[o]) {
                boolean positive = targets[o] == 1f;
                s.recordOutput(o, (p[o] >= 0.5f) == positive, logLoss(p[o], positive));
            }
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return ClassRecipe.kindName(recipe.kind()) + " " + recipe.labels() + " from " + recipe.start()
                + (transform == null ? "" : " through " + transform) + " (sha256 " + startSha256 + "), hidden "
                + recipe.hidden() + ", " + recipe;
    }
}
