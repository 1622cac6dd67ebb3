package dev.headstream.cli.evaluate;

import java.util.Objects;

/**
 * A labeled clip after scoring: how it was read and each of its user's heads' highest logit over
 * its windows (the clip is accepted by a head when that reaches the head's logit threshold).
 *
 * @param clip          the clip
 * @param samples       16 kHz samples of its audio
 * @param padding       zeros put in front so that it fills one window (0 when long enough)
 * @param convertedFrom the format sox converted it from, or null when read as it was
 * @param windows       windows scored (one per 80 ms step from the 25th step on)
 * @param maxLogits     per head of the user ({@link EvalRun#headsOf}), the highest window logit
 */
public record ClipScore(
        LabeledClip clip, int samples, int padding, String convertedFrom, int windows, float[] maxLogits) {

    public ClipScore {
        Objects.requireNonNull(clip, "clip");
        maxLogits = maxLogits.clone();
    }

    @Override
    public float[] maxLogits() {
        return maxLogits.clone();
    }

    /** Whether head {@code h} accepts the clip at {@code logitThreshold}. */
    public boolean accepted(int h, float logitThreshold) {
        return maxLogits[h] >= logitThreshold;
    }
}
