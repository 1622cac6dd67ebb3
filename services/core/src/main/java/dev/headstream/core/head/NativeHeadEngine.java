package dev.headstream.core.head;

import java.util.Objects;

/**
 * {@link HeadEngine} over {@link MlpHead} and {@link HeadTrainer}: a user is its trainable tail
 * plus an {@link OptimizerState}; the frozen source parameters are shared by all users. One
 * trainer serves every user, so the engine is single-threaded (as the interface says).
 */
public final class NativeHeadEngine implements HeadEngine {

    private final SourceHead source;
    private final float[] sourceParameters;
    private final MlpHead head;
    private final HeadTrainer trainer;
    private final MlpHead.Workspace workspace;
    private final int inputDim;

    /** The per-user state of this engine. */
    static final class NativeUser implements User {
        final float[] trainable;
        final OptimizerState state;

        NativeUser(float[] trainable, OptimizerState state) {
            this.trainable = trainable;
            this.state = state;
        }
    }

    public NativeHeadEngine(SourceHead source, int trainableTopK, TrainingConfig config) {
        this(source, trainableTopK, config, true);
    }

    /**
     * @param fuseSingleWindow whether single-window steps may use the fused Adam kernel
     *                         ({@link HeadTrainer#stepSingle}); {@code false} keeps the general
     *                         mini-batch path for every step (the benchmark reports both)
     */
    public NativeHeadEngine(SourceHead source, int trainableTopK, TrainingConfig config, boolean fuseSingleWindow) {
        this.source = Objects.requireNonNull(source, "source");
        this.sourceParameters = source.parameters();
        this.head = new MlpHead(source.architecture(), trainableTopK);
        this.trainer = new HeadTrainer(head, Objects.requireNonNull(config, "config"), fuseSingleWindow);
        this.workspace = head.newWorkspace();
        this.inputDim = source.architecture().inputDim();
    }

    @Override
    public String name() {
        return "native";
    }

    @Override
    public SourceHead source() {
        return source;
    }

    @Override
    public int trainableTopK() {
        return head.trainableTopK();
    }

    @Override
    public User newUser() {
        return new NativeUser(head.initialTrainable(sourceParameters), trainer.newOptimizerState());
    }

    @Override
    public float score(User user, float[] input, int offset) {
        return head.score(sourceParameters, own(user).trainable, input, offset, workspace);
    }

    @Override
    public float trainStep(User user, float[] windows, float[] targets) {
        NativeUser u = own(user);
        checkBatch(windows, targets, inputDim);
        if (targets.length == 1) {
            return trainer.stepSingle(sourceParameters, u.trainable, u.state, windows, 0, targets[0], 1f);
        }
        for (int i = 0; i < targets.length; i++) {
            trainer.accumulate(sourceParameters, u.trainable, windows, i * inputDim, targets[i], 1f);
        }
        return trainer.step(sourceParameters, u.trainable, u.state);
    }

    @Override
    public float[] trainableParameters(User user) {
        return own(user).trainable.clone();
    }

    /** Whether single-window steps run the fused Adam kernel (see {@link HeadTrainer#fusesSingleWindow()}). */
    public boolean fusesSingleWindow() {
        return trainer.fusesSingleWindow();
    }

    @Override
    public boolean supportsL2Sp() {
        return true;
    }

    @Override
    public void close() {
        // nothing to release: plain Java arrays
    }

    /** Checks that {@code windows} holds exactly {@code targets.length} windows of {@code inputDim}. */
    static void checkBatch(float[] windows, float[] targets, int inputDim) {
        if (windows == null
                || targets == null
                || targets.length == 0
                || windows.length != (long) targets.length * inputDim) {
            throw new IllegalArgumentException(
                    "a batch needs at least one window and windows.length == targets.length * "
                            + inputDim + ", got " + (windows == null ? "null" : windows.length) + " floats for "
                            + (targets == null ? "null" : targets.length) + " targets");
        }
    }

    private static NativeUser own(User user) {
        if (user instanceof NativeUser u) {
            return u;
        }
        throw new IllegalArgumentException("user was not created by a native engine: " + user);
    }
}
