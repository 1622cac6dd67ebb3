package dev.headstream.tools.bench;

import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.RehearsalSet;
import dev.headstream.core.adapt.task.ThresholdCalibrator;
import dev.headstream.core.detect.Detections;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.PrototypeHead;
import java.util.ArrayList;
import java.util.List;

/**
 * The few-shot baseline of the sweep: a two-class {@link PrototypeHead} (cosine to class means of
 * raw 16-frame embedding windows) per user. Every window of each training clip joins its class
 * (time-shift augmentation for free); the rehearsal negatives seed the negative class, so the
 * head scores from the first positive. The threshold is placed like a trained head's
 * ({@link ThresholdCalibrator#threshold}) between the held-aside rehearsal negatives plus the user's
 * negatives and the user's positives, in the head's logit space
 * {@code (cos+ - cos-) / temperature}. Not thread-safe.
 */
final class PrototypeDetector implements HoldoutEvaluator.UserDetector {

    /** Cosine-difference temperature. */
    static final float TEMPERATURE = 0.1f;

    private final PrototypeHead head;
    private final int windowFrames;
    private final List<EmbeddingSequence> positives = new ArrayList<>();
    private final List<EmbeddingSequence> negatives = new ArrayList<>();
    private float threshold = BinaryHeadTask.SOURCE_THRESHOLD;
    private long version;

    private PrototypeDetector(PrototypeDetector o) {
        this.head = o.head.copy();
        this.windowFrames = o.windowFrames;
        this.positives.addAll(o.positives);
        this.negatives.addAll(o.negatives);
        this.threshold = o.threshold;
        this.version = o.version;
    }

    /** An independent copy (clips are shared, class means copied). */
    PrototypeDetector copy() {
        return new PrototypeDetector(this);
    }

    PrototypeDetector(int dim, int windowFrames, RehearsalSet rehearsal) {
        this.head = new PrototypeHead(2, dim * windowFrames, TEMPERATURE);
        this.windowFrames = windowFrames;
        for (EmbeddingSequence e : rehearsal.train()) {
            addWindows(0, e);
        }
        negatives.addAll(rehearsal.calibration());
    }

    /** Learns one labelled training clip. */
    void learn(EmbeddingSequence clip, boolean positive) {
        addWindows(positive ? 1 : 0, clip);
        (positive ? positives : negatives).add(clip);
        version++;
    }

    /** Places the threshold at {@code position} between the negatives' and positives' logits. */
    void calibrate(float position) {
        if (positives.isEmpty()) {
            return;
        }
        float negMax = Float.NEGATIVE_INFINITY;
        for (EmbeddingSequence e : negatives) {
            negMax = Math.max(negMax, logit(e));
        }
        float posMin = Float.POSITIVE_INFINITY;
        for (EmbeddingSequence e : positives) {
            posMin = Math.min(posMin, logit(e));
        }
        threshold = ThresholdCalibrator.threshold(negMax, posMin, position);
    }

    /**
     * Places the threshold as a trained head's is placed with a negative bank: above the highest
     * step of {@code speech} that would leave more than {@code targetPerHour} activations per hour
     * (and above every learned negative clip), at {@code position} of the way to the lowest positive,
     * in logit space. Nothing before the first positive.
     */
    void calibratePerHour(HeldOutSpeech speech, double targetPerHour, float position) {
        if (positives.isEmpty()) {
            return;
        }
        float[] scores = speech.scores(this);
        for (int i = 0; i < scores.length; i++) {
            scores[i] = logitOfScore(scores[i]);
        }
        int allowed = ThresholdCalibrator.allowedActivations(targetPerHour, speech.hours());
        float negMax = Detections.highestRejected(scores, speech.bounds(), allowed);
        for (EmbeddingSequence e : negatives) {
            negMax = Math.max(negMax, logit(e));
        }
        float posMin = Float.POSITIVE_INFINITY;
        for (EmbeddingSequence e : positives) {
            posMin = Math.min(posMin, logit(e));
        }
        if (negMax == Float.NEGATIVE_INFINITY) {
            negMax = posMin - 1f;
        }
        threshold = ThresholdCalibrator.threshold(negMax, posMin, position);
    }

    private void addWindows(int label, EmbeddingSequence e) {
        for (int w = 0; w < e.windows(windowFrames); w++) {
            head.add(label, e.values(), e.offset(w));
        }
    }

    private float logit(EmbeddingSequence e) {
        return logitOfScore(score(e));
    }

    private static float logitOfScore(float s) {
        float p = Math.min(Math.max(s, 1e-7f), 1 - 1e-7f);
        return (float) Math.log(p / (1 - p));
    }

    @Override
    public float score(EmbeddingSequence clip) {
        float best = 0f;
        for (int w = 0; w < clip.windows(windowFrames); w++) {
            best = Math.max(best, head.binaryScore(clip.values(), clip.offset(w)));
        }
        return best;
    }

    @Override
    public float score(float[] frames, int offset) {
        return head.binaryScore(frames, offset);
    }

    @Override
    public float threshold() {
        return threshold;
    }

    @Override
    public long version() {
        return version;
    }

    /** Class means and counts. */
    long stateBytes() {
        return head.stateBytes();
    }
}
