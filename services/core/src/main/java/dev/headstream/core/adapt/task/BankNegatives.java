package dev.headstream.core.adapt.task;

import dev.headstream.core.bank.BankPart;
import dev.headstream.core.bank.BankWindows;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.embed.EmbeddingSequence;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * A {@link NegativeBank} made ready for one task's head: the training and calibration parts'
 * frames widened to float32 (a window is then an offset into them, nothing is copied) and, for
 * heads whose first layer every user shares (LoRA), every window's first-layer product, computed
 * once so that scoring a window with a user's head costs a small fraction of a full pass. Built
 * once per task at start-up; immutable and shared read-only by every user's training on any
 * thread.
 *
 * <p>Memory: 384 bytes per frame of each part, plus 512 bytes per window with the first-layer
 * products (a 128-wide first layer): about 40 MB per hour of bank.
 */
public final class BankNegatives {

    /**
     * One bank part made ready for a head: frames widened to float32, window starts and, where users
     * share the first layer, every window's first-layer product. Immutable; any thread.
     */
    public static final class Part {
        final BankWindows windows;
        final float[] frames;
        /** Frame (not float) offset of each window's first frame. */
        final int[] frameOf;

        final float[] base;
        final int width;
        final int[] bounds;

        /**
         * Prepares {@code part} for heads scored by {@code scorer} reading {@code windowFrames}
         * frames; with {@code scorer == null}, frames and windows only (any detector can read them).
         */
        public static Part prepare(BankPart part, ClipScorer scorer, int windowFrames) {
            return new Part(new BankWindows(part, windowFrames), scorer);
        }

        Part(BankWindows windows, ClipScorer scorer) {
            this.windows = windows;
            BankPart p = windows.part();
            int dim = p.dim();
            this.frames = new float[Math.toIntExact(p.frames() * dim)];
            p.copyFrames(0, (int) p.frames(), frames, 0);
            this.frameOf = new int[windows.count()];
            this.bounds = new int[windows.segments() + 1];
            for (int s = 0; s < windows.segments(); s++) {
                int first = (int) p.segmentStart(s);
                for (int w = windows.segmentStart(s); w < windows.segmentEnd(s); w++) {
                    frameOf[w] = first + (w - windows.segmentStart(s));
                }
                bounds[s + 1] = windows.segmentEnd(s);
            }
            this.width = scorer == null ? 0 : scorer.firstLayerWidth();
            if (width > 0) {
                float[] b = new float[Math.multiplyExact(frameOf.length, width)];
                IntStream.range(0, (frameOf.length + 1023) / 1024)
                        .parallel()
                        .forEach(chunk -> scorer.firstLayerProducts(
                                frames,
                                chunk * 1024,
                                Math.min(frameOf.length, (chunk + 1) * 1024),
                                w -> frameOf[w] * dim,
                                b));
                this.base = b;
            } else {
                this.base = null;
            }
        }

        /** Windows (detector steps) in the part. */
        public int count() {
            return frameOf.length;
        }

        /** Hours a detector scores here. */
        public double hours() {
            return windows.hours();
        }

        /** Window numbers where each recording starts, and one past the last. Do not modify. */
        public int[] bounds() {
            return bounds;
        }

        /** Every frame of the part, widened to float32, segment after segment. Do not modify. */
        public float[] frames() {
            return frames;
        }

        /** Float offset in {@link #frames()} of window {@code w}'s first frame. */
        public int offset(int w) {
            return frameOf[w] * windows.part().dim();
        }

        /** Window {@code w}'s logit under {@code trainable} ({@code null} = the source head) on {@code scorer}'s head. */
        public float logit(ClipScorer scorer, float[] trainable, int w) {
            return scorer.windowLogitWithBase(
                    trainable,
                    base,
                    w * width,
                    frames,
                    frameOf[w] * windows.part().dim());
        }

        /** Every window's logit into {@code dst} (length {@link #count()}). */
        public void logits(ClipScorer scorer, float[] trainable, float[] dst) {
            range(scorer, trainable, 0, frameOf.length, dst, 0);
        }

        /**
         * The logits of windows {@code from .. to - 1} into {@code dst[at ..]}: the floats of
         * {@link #logit}, two windows per pass, parts of a long range on {@link ScoringHelpers}.
         */
        void range(ClipScorer scorer, float[] trainable, int from, int to, float[] dst, int at) {
            ScoringHelpers.score(
                    scorer, to - from, (sc, a, b) -> rangeHere(sc, trainable, from + a, from + b, dst, at + a));
        }

        /** {@link #range} on this thread alone. */
        private void rangeHere(ClipScorer scorer, float[] trainable, int from, int to, float[] dst, int at) {
            int w = from;
            for (; w + 1 < to; w += 2) {
                pair(scorer, trainable, w, w + 1, dst, at + w - from);
            }
            if (w < to) {
                dst[at + w - from] = logit(scorer, trainable, w);
            }
        }

        /**
         * The logits of windows {@code ws[0 .. count - 1]} into {@code dst[0 .. count - 1]}: the
         * floats of {@link #logit}, two windows per pass, parts of a long list on {@link ScoringHelpers}.
         */
        void select(ClipScorer scorer, float[] trainable, int[] ws, int count, float[] dst) {
            ScoringHelpers.score(scorer, count, (sc, a, b) -> selectHere(sc, trainable, ws, a, b, dst));
        }

        /** {@link #select} of items {@code from .. to - 1} on this thread alone. */
        private void selectHere(ClipScorer scorer, float[] trainable, int[] ws, int from, int to, float[] dst) {
            int k = from;
            for (; k + 1 < to; k += 2) {
                pair(scorer, trainable, ws[k], ws[k + 1], dst, k);
            }
            if (k < to) {
                dst[k] = logit(scorer, trainable, ws[k]);
            }
        }

        /** The logits of windows {@code a} and {@code b} into {@code dst[at]} and {@code dst[at + 1]}, in one pass. */
        private void pair(ClipScorer scorer, float[] trainable, int a, int b, float[] dst, int at) {
            int dim = windows.part().dim();
            scorer.windowLogitsWithBase(
                    trainable, base, a * width, b * width, frames, frameOf[a] * dim, frameOf[b] * dim, dst, at, at + 1);
        }
    }

    private final NegativeBank bank;
    private final Part train;
    private final Part calibration;
    /** {@link #sourceCalibrationLogits}, once computed. */
    private float[] sourceCalibrationLogits;

    private BankNegatives(NegativeBank bank, Part train, Part calibration) {
        this.bank = bank;
        this.train = train;
        this.calibration = calibration;
    }

    /**
     * Prepares {@code bank} for heads scored by {@code scorer} (only its head and weights are used,
     * not its workspace) that read {@code windowFrames} frames.
     *
     * @throws IllegalArgumentException if the bank's embeddings do not fit the head, or a part has no window
     */
    public static BankNegatives prepare(NegativeBank bank, ClipScorer scorer, int windowFrames) {
        BankWindows t = new BankWindows(bank.train(), windowFrames);
        BankWindows c = new BankWindows(bank.calibration(), windowFrames);
        if (t.count() == 0 || c.count() == 0) {
            throw new IllegalArgumentException("negative bank " + bank.directory() + " has no " + windowFrames
                    + "-frame window in its " + (t.count() == 0 ? "training" : "calibration") + " part");
        }
        return new BankNegatives(bank, new Part(t, scorer), new Part(c, scorer));
    }

    public NegativeBank bank() {
        return bank;
    }

    /** The bank's identity (its parts' SHA-256), for provenance. */
    public String id() {
        return bank.id();
    }

    /**
     * {@code count} stretches of {@code frames} frames spread evenly over the training part (each
     * inside one recording), as clips: the other speakers a domain-similarity test compares a user with.
     */
    public List<EmbeddingSequence> referenceClips(int count, int frames) {
        BankWindows stretches = new BankWindows(train.windows.part(), frames);
        List<EmbeddingSequence> out = new ArrayList<>();
        int n = Math.min(count, stretches.count());
        int dim = bank.dim();
        for (int i = 0; i < n; i++) {
            int w = (int) ((long) i * stretches.count() / n);
            float[] v = new float[frames * dim];
            stretches.copy(w, v);
            out.add(new EmbeddingSequence(frames, dim, v));
        }
        return out;
    }

    /** Windows in the training part. */
    public int trainWindows() {
        return train.count();
    }

    /** Hours of speech the calibration part scores (one 80 ms step per window). */
    public double calibrationHours() {
        return calibration.windows.hours();
    }

    /** Hours of speech in the training part. */
    public double trainHours() {
        return train.windows.hours();
    }

    /** The logit of training window {@code w} under {@code trainable} ({@code null} = the source head). */
    public float trainLogit(ClipScorer scorer, float[] trainable, int w) {
        return train.logit(scorer, trainable, w);
    }

    /**
     * The logits of training windows {@code windows[0 .. count - 1]} into {@code dst[0 .. count - 1]}:
     * {@link #trainLogit} of each, two per pass.
     */
    void trainLogits(ClipScorer scorer, float[] trainable, int[] windows, int count, float[] dst) {
        train.select(scorer, trainable, windows, count, dst);
    }

    /** Training window {@code w}'s frames: the window starts at {@link #trainOffset(int)} in this array. Do not modify. */
    float[] trainFrames() {
        return train.frames;
    }

    /** Float offset of training window {@code w} in {@link #trainFrames()}. */
    int trainOffset(int w) {
        return train.frameOf[w] * bank.dim();
    }

    /**
     * Every training window's first-layer product ({@link ClipScorer#firstLayerProduct}), window
     * {@code w}'s at {@link #trainBaseOffset(int)}; null when the first layer trains per user. Do not modify.
     */
    float[] trainBase() {
        return train.base;
    }

    /** Offset of training window {@code w}'s product in {@link #trainBase()}. */
    int trainBaseOffset(int w) {
        return w * train.width;
    }

    /**
     * Every calibration window's logit under {@code trainable} into {@code dst} (length
     * {@link #calibrationWindows()}), in order; recordings are {@link #calibrationBounds()}.
     */
    public void calibrationLogits(ClipScorer scorer, float[] trainable, float[] dst) {
        calibration.logits(scorer, trainable, dst);
    }

    /**
     * Every calibration window's logit under the source head of {@code scorer} (the head this bank
     * was prepared for), computed on first use and shared by every task instance of that head. Do
     * not modify.
     */
    public synchronized float[] sourceCalibrationLogits(ClipScorer scorer) {
        if (sourceCalibrationLogits == null) {
            float[] logits = new float[calibration.count()];
            calibration.logits(scorer.copy(), null, logits);
            sourceCalibrationLogits = logits;
        }
        return sourceCalibrationLogits;
    }

    /** The logit of calibration window {@code w} under {@code trainable} ({@code null} = the source head). */
    public float calibrationLogit(ClipScorer scorer, float[] trainable, int w) {
        return calibration.logit(scorer, trainable, w);
    }

    /**
     * The logits of calibration steps {@code steps[0 .. count - 1]} into {@code dst[0 .. count - 1]}:
     * {@link #calibrationLogit} of each, two per pass.
     */
    void calibrationLogits(ClipScorer scorer, float[] trainable, int[] steps, int count, float[] dst) {
        calibration.select(scorer, trainable, steps, count, dst);
    }

    /**
     * The logits of calibration steps {@code from .. to - 1} into {@code dst[at ..]}:
     * {@link #calibrationLogit} of each, two per pass.
     */
    void calibrationLogitRange(ClipScorer scorer, float[] trainable, int from, int to, float[] dst, int at) {
        calibration.range(scorer, trainable, from, to, dst, at);
    }

    public int calibrationWindows() {
        return calibration.count();
    }

    /** Window numbers where each calibration recording starts, and one past the last. Do not modify. */
    public int[] calibrationBounds() {
        return calibration.bounds;
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "bank %s: %.2f h training (%d windows), %.2f h calibration%s",
                bank.id().substring(0, 12),
                trainHours(),
                trainWindows(),
                calibrationHours(),
                train.base == null ? "" : ", first-layer products cached");
    }
}
