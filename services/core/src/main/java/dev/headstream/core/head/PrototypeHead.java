package dev.headstream.core.head;

import java.util.Arrays;
import java.util.Objects;

/**
 * A prototype head for one- and few-shot adaptation: per class the running mean of the
 * L2-normalised input windows seen for it (a flattened {@code 16 x 96} embedding window, or any
 * vector of {@code dim} floats), scored by cosine similarity to each class mean. It needs no
 * gradient training and works from the first labeled example of a class.
 *
 * <p>Update: {@link #add} normalises the window and moves its class mean by
 * {@code (x/|x| - mean) / n}: O({@code dim}) time, no allocation; after {@code n} examples the mean
 * equals the batch mean of the normalised windows (up to float rounding). Memory:
 * {@code classes x dim} floats plus one count per class.
 *
 * <p>Scores: {@link #cosine} is {@code cos(x, mean_c)} in {@code [-1, 1]} (the mean's own length
 * does not matter; a zero mean scores 0). {@link #probabilities} is a softmax over
 * {@code cos / temperature} across the classes that have a prototype.
 * {@link #binaryScore} (two classes: 0 = negative, 1 = positive) is, by choice, that same softmax
 * for the positive class, {@code sigmoid((cos_pos - cos_neg) / temperature)}, once both prototypes
 * exist, so "closer to the positive mean than to the negative one" reads as a score above 0.5; with
 * only the positive prototype it is {@code (cos_pos + 1) / 2}, and with none it is 0 (never
 * accepts). Seed the negative prototype from rehearsal negatives (other speakers' speech) so a
 * user's first positive already gets the contrastive score; a per-user threshold is calibrated on
 * this score like on any other head's.
 *
 * <p>Thread-safety: mutable per-user state, owned by one thread at a time; {@link #copy()} for a
 * transactional update. Deterministic: every reduction runs in a fixed order.
 */
public final class PrototypeHead {

    private final int classes;
    private final int dim;
    private final float temperature;
    private final float[] means;
    private final long[] counts;

    /**
     * @param classes     number of classes, at least 1 (2 for {@link #binaryScore})
     * @param dim         width of an input window
     * @param temperature positive softmax temperature on cosines (e.g. {@code 0.1})
     */
    public PrototypeHead(int classes, int dim, float temperature) {
        this(
                classes,
                dim,
                temperature,
                new float[Math.multiplyExact(checkPositive(classes, "classes"), checkPositive(dim, "dim"))],
                new long[classes]);
    }

    private PrototypeHead(int classes, int dim, float temperature, float[] means, long[] counts) {
        if (!(temperature > 0f) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive and finite, got " + temperature);
        }
        this.classes = classes;
        this.dim = dim;
        this.temperature = temperature;
        this.means = means;
        this.counts = counts;
    }

    /** Rebuilds a head from persisted means ({@code [classes][dim]} row-major) and counts (both copied). */
    public static PrototypeHead restore(int classes, int dim, float temperature, float[] means, long[] counts) {
        checkPositive(classes, "classes");
        checkPositive(dim, "dim");
        Objects.requireNonNull(means, "means");
        Objects.requireNonNull(counts, "counts");
        if (means.length != classes * dim || counts.length != classes) {
            throw new IllegalArgumentException("need " + classes + " x " + dim + " means and " + classes
                    + " counts, got " + means.length + " and " + counts.length);
        }
        for (int c = 0; c < classes; c++) {
            if (counts[c] < 0) {
                throw new IllegalArgumentException("count of class " + c + " is negative");
            }
        }
        for (float m : means) {
            if (!Float.isFinite(m)) {
                throw new IllegalArgumentException("means must be finite");
            }
        }
        return new PrototypeHead(classes, dim, temperature, means.clone(), counts.clone());
    }

    public int classes() {
        return classes;
    }

    public int dim() {
        return dim;
    }

    public float temperature() {
        return temperature;
    }

    /** Examples added to class {@code c}. */
    public long count(int c) {
        return counts[Objects.checkIndex(c, classes)];
    }

    /** Whether class {@code c} has at least one example. */
    public boolean hasPrototype(int c) {
        return count(c) > 0;
    }

    /**
     * Adds the window {@code x[offset .. offset + dim)} as an example of class {@code c}.
     *
     * @throws IllegalArgumentException for a bad class, a window outside the array, or a zero or
     *                                  non-finite window (no direction to normalise)
     */
    public void add(int c, float[] x, int offset) {
        Objects.checkIndex(c, classes);
        checkWindow(x, offset);
        double norm = Math.sqrt(LayerKernels.dot(x, offset, x, offset, dim));
        if (!(norm > 0) || !Double.isFinite(norm)) {
            throw new IllegalArgumentException("a prototype example needs a finite, non-zero window, norm " + norm);
        }
        float inverseNorm = (float) (1.0 / norm);
        long n = ++counts[c];
        float step = (float) (1.0 / n);
        int base = c * dim;
        for (int j = 0; j < dim; j++) {
            float m = means[base + j];
            means[base + j] = m + (x[offset + j] * inverseNorm - m) * step;
        }
    }

    /**
     * Cosine similarity of the window to class {@code c}'s mean, in {@code [-1, 1]}; 0 when the
     * mean or the window is zero.
     *
     * @throws IllegalStateException if class {@code c} has no example yet
     */
    public float cosine(int c, float[] x, int offset) {
        Objects.checkIndex(c, classes);
        checkWindow(x, offset);
        if (counts[c] == 0) {
            throw new IllegalStateException("class " + c + " has no prototype yet");
        }
        return cosineUnchecked(c, x, offset, Math.sqrt(LayerKernels.dot(x, offset, x, offset, dim)));
    }

    /**
     * Writes the class probabilities of the window into {@code out}: softmax over
     * {@code cos / temperature} across classes with a prototype, 0 for the others (all 0 when no
     * class has one).
     */
    public void probabilities(float[] x, int offset, float[] out) {
        checkWindow(x, offset);
        if (out == null || out.length != classes) {
            throw new IllegalArgumentException("output buffer must have length " + classes);
        }
        double xNorm = Math.sqrt(LayerKernels.dot(x, offset, x, offset, dim));
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            if (counts[c] > 0) {
                out[c] = cosineUnchecked(c, x, offset, xNorm) / temperature;
                max = Math.max(max, out[c]);
            }
        }
        if (max == Double.NEGATIVE_INFINITY) {
            Arrays.fill(out, 0f);
            return;
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            if (counts[c] > 0) {
                sum += Math.exp(out[c] - max);
            }
        }
        for (int c = 0; c < classes; c++) {
            out[c] = counts[c] > 0 ? (float) (Math.exp(out[c] - max) / sum) : 0f;
        }
    }

    /**
     * The class with the highest cosine (lowest index on ties), or {@code -1} when no class has a
     * prototype.
     */
    public int classify(float[] x, int offset) {
        checkWindow(x, offset);
        double xNorm = Math.sqrt(LayerKernels.dot(x, offset, x, offset, dim));
        int best = -1;
        float bestCos = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            if (counts[c] > 0) {
                float cos = cosineUnchecked(c, x, offset, xNorm);
                if (best < 0 || cos > bestCos) {
                    best = c;
                    bestCos = cos;
                }
            }
        }
        return best;
    }

    /**
     * The detection score in {@code [0, 1]} of a two-class head (class 1 = positive): see the class
     * documentation for the formula in each state.
     *
     * @throws IllegalStateException if the head does not have exactly two classes
     */
    public float binaryScore(float[] x, int offset) {
        if (classes != 2) {
            throw new IllegalStateException("binaryScore needs a two-class head, this one has " + classes);
        }
        checkWindow(x, offset);
        if (counts[1] == 0) {
            return 0f;
        }
        double xNorm = Math.sqrt(LayerKernels.dot(x, offset, x, offset, dim));
        float positive = cosineUnchecked(1, x, offset, xNorm);
        if (counts[0] == 0) {
            return (positive + 1f) / 2f;
        }
        float negative = cosineUnchecked(0, x, offset, xNorm);
        return MlpHead.sigmoid((positive - negative) / temperature);
    }

    /** A copy of the means, {@code [classes][dim]} row-major (for persisting). */
    public float[] copyMeans() {
        return means.clone();
    }

    /** A copy of the per-class counts. */
    public long[] copyCounts() {
        return counts.clone();
    }

    /** An independent deep copy. */
    public PrototypeHead copy() {
        return new PrototypeHead(classes, dim, temperature, means.clone(), counts.clone());
    }

    /** Per-user state size in bytes: the means and the counts. */
    public long stateBytes() {
        return 4L * means.length + 8L * counts.length;
    }

    private float cosineUnchecked(int c, float[] x, int offset, double xNorm) {
        int base = c * dim;
        double meanNorm = Math.sqrt(LayerKernels.dot(means, base, means, base, dim));
        if (meanNorm == 0 || xNorm == 0) {
            return 0f;
        }
        double cos = LayerKernels.dot(x, offset, means, base, dim) / (xNorm * meanNorm);
        return (float) Math.max(-1.0, Math.min(1.0, cos));
    }

    private void checkWindow(float[] x, int offset) {
        if (x == null || offset < 0 || offset > x.length - dim) {
            throw new IllegalArgumentException("window [" + offset + ", " + offset + " + " + dim
                    + ") is outside an array of length " + (x == null ? "null" : x.length));
        }
    }

    private static int checkPositive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
        return value;
    }
}
