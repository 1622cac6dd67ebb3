package dev.headstream.tools.bench;

import dev.headstream.core.adapt.task.BankNegatives;
import dev.headstream.core.bank.BankPart;
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
    private final BankNegatives.Part prepared;

    public HeldOutSpeech(BankPart part, int windowFrames) {
        this.part = part;
        this.prepared = BankNegatives.Part.prepare(part, null, windowFrames);
    }

    /** A window scorer: the score of the window whose first frame starts at {@code frames[offset]}. */
    public interface WindowScore {
        float score(float[] frames, int offset);
    }

    /** Hours scored (one 80 ms step per window). */
    public double hours() {
        return prepared.hours();
    }

    /** Steps (windows). */
    public int steps() {
        return prepared.count();
    }

    /** Activations of a detector scoring windows with {@code scorer} at {@code threshold} (accept when score >= threshold). */
    public int activations(WindowScore scorer, float threshold) {
        return Detections.count(scores(scorer), prepared.bounds(), threshold);
    }

    /** Every step's score. */
    public float[] scores(WindowScore scorer) {
        float[] frames = prepared.frames();
        float[] scores = new float[prepared.count()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = scorer.score(frames, prepared.offset(i));
        }
        return scores;
    }

    /** Recording bounds in step numbers. Do not modify. */
    public int[] bounds() {
        return prepared.bounds();
    }

    public BankPart part() {
        return part;
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "%.2f h of held-out speech (%d recordings, %d voices: %s)",
                hours(),
                part.segments(),
                part.voices().size(),
                String.join(" ", part.voices()));
    }
}
