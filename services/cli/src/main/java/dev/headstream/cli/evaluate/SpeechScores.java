package dev.headstream.cli.evaluate;

import dev.headstream.core.detect.Detections;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The per-step logits of every head over long recordings of speech without the wake word, with
 * what false accepts per hour are counted from: activations by {@link Detections} (2 s refractory,
 * never across recordings) over {@link #hours()} = scored windows x 0.08 s.
 *
 * <p>Immutable after construction (the logit arrays are not copied: treat them as read-only).
 */
public final class SpeechScores {

    /**
     * One recording.
     *
     * @param samples       16 kHz samples of its audio
     * @param padding       zeros put in front when it was shorter than one window
     * @param convertedFrom the format sox converted it from, or null
     * @param windows       windows scored
     */
    public record SpeechFile(Path file, int samples, int padding, String convertedFrom, int windows) {}

    private final List<SpeechFile> files;
    private final int[] bounds;
    private final Map<EvalHead, float[]> logits;

    /**
     * @param logits per head, the logits of every window of every file, file after file
     */
    public SpeechScores(List<SpeechFile> files, Map<EvalHead, float[]> logits) {
        this.files = List.copyOf(files);
        this.bounds = new int[files.size() + 1];
        for (int i = 0; i < files.size(); i++) {
            bounds[i + 1] = bounds[i] + files.get(i).windows();
        }
        this.logits = new IdentityHashMap<>(logits);
        for (Map.Entry<EvalHead, float[]> e : this.logits.entrySet()) {
            if (e.getValue().length != bounds[files.size()]) {
                throw new IllegalArgumentException("head " + e.getKey().name() + " has " + e.getValue().length
                        + " speech logits for " + bounds[files.size()] + " windows");
            }
        }
    }

    /** No speech. */
    public static SpeechScores none() {
        return new SpeechScores(List.of(), Map.of());
    }

    public List<SpeechFile> files() {
        return files;
    }

    /** Windows scored over all files. */
    public long windows() {
        return bounds[files.size()];
    }

    /** Hours of scored steps: windows x 0.08 s / 3600. */
    public double hours() {
        return hours(windows());
    }

    /** Hours of {@code windows} scored steps. */
    public static double hours(long windows) {
        return windows * Detections.STEP_SECONDS / 3600.0;
    }

    /** Whether {@code head} was scored over the speech. */
    public boolean scored(EvalHead head) {
        return logits.containsKey(head);
    }

    /** Activations of {@code head} over all files at its own threshold. */
    public int activations(EvalHead head) {
        return activations(head, head.logitThreshold());
    }

    /** Activations of {@code head} over all files at logit threshold {@code t}. */
    public int activations(EvalHead head, float t) {
        return Detections.count(logits(head), bounds, t);
    }

    /** The windows of file {@code f} where {@code head} activates at its threshold. */
    public int[] activationWindows(EvalHead head, int f) {
        int[] at = Detections.activations(logits(head), bounds[f], bounds[f + 1], head.logitThreshold());
        for (int i = 0; i < at.length; i++) {
            at[i] -= bounds[f];
        }
        return at;
    }

    /** The highest logit of {@code head} over all speech ({@code -inf} when there is none). */
    public float maxLogit(EvalHead head) {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : logits(head)) {
            m = Math.max(m, v);
        }
        return m;
    }

    private float[] logits(EvalHead head) {
        float[] v = logits.get(Objects.requireNonNull(head, "head"));
        if (v == null) {
            throw new IllegalArgumentException("head " + head.name() + " was not scored over the speech");
        }
        return v;
    }
}
