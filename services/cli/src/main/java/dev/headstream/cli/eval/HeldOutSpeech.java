package dev.headstream.cli.eval;

import dev.headstream.core.bank.BankPart;
import dev.headstream.core.bank.BankWindows;
import dev.headstream.core.detect.Detections;
import java.util.Locale;

/**
 * Continuous speech of voices that no user and no training or calibration speech has (the
 * negative bank's evaluation part), scored as a detector scores it: every 80 ms step, a 2 s
 * refractory period after an activation ({@link Detections}). What "false accepts per hour"
 * means in every table of this package. Immutable; {@link #activations} may run on any thread.
 */
public final class HeldOutSpeech {

    private final BankPart part;
    private final int dim;
    private final float[] frames;
    private final int[] offsets;
    private final int[] bounds;
    private final double hours;

    public HeldOutSpeech(BankPart part, int windowFrames) {
        this.part = part;
        this.dim = part.dim();
        BankWindows w = new BankWindows(part, windowFrames);
        this.frames = new float[Math.toIntExact(part.frames() * dim)];
        part.copyFrames(0, (int) part.frames(), frames, 0);
        this.offsets = new int[w.count()];
        this.bounds = new int[w.segments() + 1];
        for (int s = 0; s < w.segments(); s++) {
            int first = (int) part.segmentStart(s);
            for (int i = w.segmentStart(s); i < w.segmentEnd(s); i++) {
                offsets[i] = (first + i - w.segmentStart(s)) * dim;
            }
            bounds[s + 1] = w.segmentEnd(s);
        }
        this.hours = w.hours();
    }

    /** A window scorer: the score of the window whose first frame starts at {@code frames[offset]}. */
    public interface WindowScore {
        float score(float[] frames, int offset);
    }

    /** Hours scored (one 80 ms step per window). */
    public double hours() {
        return hours;
    }

    /** Steps (windows). */
    public int steps() {
        return offsets.length;
    }

    /** Activations of a detector scoring windows with {@code scorer} at {@code threshold} (accept when score >= threshold). */
    public int activations(WindowScore scorer, float threshold) {
        float[] scores = scores(scorer);
        return Detections.count(scores, bounds, threshold);
    }

    /** Every step's score. */
    public float[] scores(WindowScore scorer) {
        float[] scores = new float[offsets.length];
        for (int i = 0; i < offsets.length; i++) {
            scores[i] = scorer.score(frames, offsets[i]);
        }
        return scores;
    }

    /** Recording bounds in step numbers. Do not modify. */
    public int[] bounds() {
        return bounds;
    }

    public BankPart part() {
        return part;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%.2f h of held-out speech (%d recordings, %d voices: %s)", hours,
                part.segments(), part.voices().size(), String.join(" ", part.voices()));
    }
}
