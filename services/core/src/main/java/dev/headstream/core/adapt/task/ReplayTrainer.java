package dev.headstream.core.adapt.task;

import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.embed.EmbeddingWindows;
import dev.headstream.core.head.MlpHead;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The training steps a user's head takes on an arriving training sample:
 * {@link HeadRecipe#replaySteps()} optimizer steps, each over a mini-batch of the newest clip,
 * other clips from the user's replay buffer, rehearsal negatives (the reference set and online
 * rehearsal) and, with a negative bank, bank windows (part of them from the user's hard pool,
 * which it refreshes first), each as a randomly time-shifted window; then the per-sample update
 * cap. Randomness comes from the head's seed and its applied-sample count, so the same stream
 * gives the same vector.
 *
 * <p>Not thread-safe (scratch buffers, the task's scorer): one per task instance.
 */
final class ReplayTrainer {

    private final UserHeadTraining training;
    private final ClipScorer scorer;
    private final HeadRecipe recipe;
    private final RehearsalSet rehearsal;
    /** The negative bank prepared for this task's head, or null without one; shared, read-only. */
    private final BankNegatives bank;

    private final BankTraining bankTraining;
    /** Scratch: one replayed window widened to float32, and a candidate hard-negative window. */
    private final float[] window;

    private final float[] candidate;
    /** Scratch: the user's vector before an arriving sample's steps (update-rate cap). */
    private float[] before;
    /** Scratch, made on first use: mining candidates' windows, their logits, and both as sort keys. */
    private long[] candidateKeys;

    private int[] candidateWindows;
    private float[] candidateLogits;
    /**
     * Floats of the first layer's frozen product per window, 0 when that layer trains per user;
     * then each window's product is computed once while its clip stays in {@link #clipBases}.
     */
    private final int firstLayerWidth;
    /** Clips' first-layer products, shared with the task's calibrator. */
    private final ClipBases clipBases;

    ReplayTrainer(
            UserHeadTraining training,
            HeadRecipe recipe,
            RehearsalSet rehearsal,
            BankNegatives bank,
            BankTraining bankTraining,
            int windowFloats,
            ClipBases clipBases) {
        this.training = training;
        this.scorer = training.scorer();
        this.recipe = recipe;
        this.rehearsal = rehearsal;
        this.bank = bank;
        this.bankTraining = bankTraining;
        this.window = new float[windowFloats];
        this.candidate = new float[windowFloats];
        this.firstLayerWidth = scorer.firstLayerWidth();
        this.clipBases = clipBases;
    }

    /**
     * Trains {@code s} on {@code newest}, already in its replay buffer, before its applied-sample
     * count goes up; {@code online} adds its negatives to the reference set's ({@code null}: none).
     */
    void train(HeadState s, HeadState.Example newest, RehearsalReservoir online) {
        float[] trainable = s.liveTrainable();
        // a near miss trains before the sample it precedes is counted: its count tells their draws apart
        // (0 without near misses: the draws of every other head are unchanged)
        SplittableRandom rnd = new SplittableRandom(s.seed()
                ^ (0x9E3779B97F4A7C15L * (s.samplesApplied() + 1))
                ^ (0xD1B54A32D192ED03L * s.nearMissesLearned()));
        HeadState.Example[] buffer = s.replay().toArray(new HeadState.Example[0]);
        List<EmbeddingSequence> negatives = rehearsal.train();
        // the half-life counts the clips the head trained on, near misses included (as measured: docs/own-word)
        float lambda = recipe.l2spAfter(s.samplesApplied() + s.nearMissesLearned()) * s.l2spScale();
        if (recipe.maxUpdateNorm() > 0f) {
            System.arraycopy(trainable, 0, before(trainable.length), 0, trainable.length);
        }
        int fromBank = bank == null ? 0 : bankTraining.perStep();
        if (fromBank > 0) {
            mineHardNegatives(s, new SplittableRandom(s.seed() ^ (0xC2B2AE3D27D4EB4FL * (s.samplesApplied() + 1))));
        }
        int[] hardPool = s.hardPool();
        int hard = hardPool.length == 0 ? 0 : Math.round(fromBank * bankTraining.hardShare());
        for (int step = 0; step < recipe.replaySteps(); step++) {
            addWindow(trainable, newest.clip(), newest.positive(), newest.weight(), rnd);
            for (int i = 1; i < recipe.userWindowsPerStep() && buffer.length > 1; i++) {
                HeadState.Example ex = buffer[rnd.nextInt(buffer.length)];
                addWindow(trainable, ex.clip(), ex.positive(), ex.weight(), rnd);
            }
            int pool = negatives.size() + (online == null ? 0 : online.size());
            for (int i = 0; i < recipe.rehearsalPerStep() && pool > 0; i++) {
                int pick = rnd.nextInt(pool);
                addWindow(
                        trainable,
                        pick < negatives.size()
                                ? negatives.get(pick)
                                : online.get(pick - negatives.size()).clip(),
                        false,
                        1f,
                        rnd);
            }
            for (int i = 0; i < fromBank; i++) {
                int w = i < hard ? hardPool[rnd.nextInt(hardPool.length)] : rnd.nextInt(bank.trainWindows());
                float[] base = bank.trainBase();
                addWindow(
                        trainable,
                        bank.trainFrames(),
                        bank.trainOffset(w),
                        base,
                        base == null ? 0 : bank.trainBaseOffset(w),
                        false,
                        1f);
            }
            training.step(trainable, s.liveOptimizer(), lambda);
        }
        if (recipe.maxUpdateNorm() > 0f) {
            capUpdate(trainable, before, recipe.maxUpdateNorm());
        }
    }

    /**
     * Refreshes the user's hard pool: scores {@link BankTraining#candidates()} random windows of the
     * bank's training part and the current pool with the user's head and keeps the
     * {@link BankTraining#pool()} highest (ties to the lower window number), highest first.
     */
    private void mineHardNegatives(HeadState s, SplittableRandom rnd) {
        int[] current = s.hardPool();
        int m = bankTraining.candidates() + current.length;
        if (candidateKeys == null || candidateKeys.length < m) {
            candidateKeys = new long[m];
            candidateWindows = new int[m];
            candidateLogits = new float[m];
        }
        int n = 0;
        for (int w : current) {
            candidateWindows[n++] = w;
        }
        for (int i = 0; i < bankTraining.candidates(); i++) {
            candidateWindows[n++] = rnd.nextInt(bank.trainWindows());
        }
        bank.trainLogits(scorer, s.liveTrainable(), candidateWindows, n, candidateLogits);
        for (int i = 0; i < n; i++) {
            candidateKeys[i] = key(candidateLogits[i], candidateWindows[i]);
        }
        Arrays.sort(candidateKeys, 0, n);
        int[] pool = new int[Math.min(bankTraining.pool(), n)];
        int k = 0;
        for (int i = 0; i < n && k < pool.length; i++) {
            if (i == 0 || candidateKeys[i] != candidateKeys[i - 1]) { // a window drawn twice scores the same
                pool[k++] = (int) candidateKeys[i];
            }
        }
        s.replaceHardPool(k == pool.length ? pool : Arrays.copyOf(pool, k));
    }

    /** Sorts ascending as (logit descending, window ascending): the float's order-preserving bits, inverted, then the window. */
    static long key(float logit, int window) {
        int bits = Float.floatToIntBits(logit);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~ordered << 32) | (window & 0xffffffffL);
    }

    /** Scales {@code trainable - before} back to norm {@code cap} when it is longer. */
    static void capUpdate(float[] trainable, float[] before, float cap) {
        double sq = 0;
        for (int i = 0; i < trainable.length; i++) {
            double d = trainable[i] - before[i];
            sq += d * d;
        }
        double norm = Math.sqrt(sq);
        if (norm > cap) {
            float scale = (float) (cap / norm);
            for (int i = 0; i < trainable.length; i++) {
                trainable[i] = before[i] + scale * (trainable[i] - before[i]);
            }
        }
    }

    private float[] before(int length) {
        if (before == null || before.length != length) {
            before = new float[length];
        }
        return before;
    }

    /**
     * Adds a randomly shifted window of {@code c} to the batch; a negative, with
     * {@link HeadRecipe#hardNegativeWindows()} {@code > 1}, adds the highest-scoring of that many.
     */
    private void addWindow(
            float[] trainable, EmbeddingWindows c, boolean positive, float weight, SplittableRandom rnd) {
        int windows = c.windows(recipe.windowFrames());
        int shift = shift(windows, rnd);
        c.window(shift, recipe.windowFrames(), window);
        if (firstLayerWidth > 0 && (positive || recipe.hardNegativeWindows() <= 1)) {
            // the first layer's frozen product of this window, once while its clip is kept
            ClipBases.Entry products = clipBases.window(c, windows, shift, window, 0);
            addWindow(trainable, window, 0, products.products, shift * firstLayerWidth, positive, weight);
            return;
        }
        if (!positive && recipe.hardNegativeWindows() > 1) {
            float bestLogit = scorer.windowLogit(trainable, window, 0);
            for (int k = 1; k < recipe.hardNegativeWindows(); k++) {
                c.window(shift(windows, rnd), recipe.windowFrames(), candidate);
                float z = scorer.windowLogit(trainable, candidate, 0);
                if (z > bestLogit) {
                    System.arraycopy(candidate, 0, window, 0, window.length);
                    bestLogit = z;
                }
            }
        }
        addWindow(trainable, window, 0, null, 0, positive, weight);
    }

    /**
     * Adds one window to the batch, its first-layer product from {@code base} when not null; with
     * distillation its target mixes the label with the source head's softened output.
     */
    private void addWindow(
            float[] trainable,
            float[] input,
            int offset,
            float[] base,
            int baseOffset,
            boolean positive,
            float weight) {
        float target = positive ? 1f : 0f;
        if (recipe.distillation() > 0f) {
            float teacher = MlpHead.sigmoid(scorer.windowLogitWithBase(null, base, baseOffset, input, offset)
                    / recipe.distillationTemperature());
            target = (1f - recipe.distillation()) * target + recipe.distillation() * teacher;
        }
        training.accumulate(trainable, base, baseOffset, input, offset, target, weight);
    }

    /** The first frame of the training window: random with time shift, else the clip's last window. */
    private int shift(int windows, SplittableRandom rnd) {
        return !recipe.timeShift() ? windows - 1 : windows == 1 ? 0 : rnd.nextInt(windows);
    }
}
