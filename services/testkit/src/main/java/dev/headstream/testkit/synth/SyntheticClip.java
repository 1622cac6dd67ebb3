package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.Voice;
import java.util.Arrays;
import java.util.Objects;

/**
 * A rendered clip: its plan and its audio.
 *
 * @param spec        the plan it was rendered from (ids, label, split, synthesis parameters, seed)
 * @param pcm         16 kHz mono int16 samples, {@link ClipAssembler.Settings#clipSamples()} long;
 *                    shared, do not modify
 * @param speechStart first sample holding speech
 * @param speechEnd   one past the last sample holding speech
 */
public record SyntheticClip(ClipSpec spec, short[] pcm, int speechStart, int speechEnd) {

    public SyntheticClip {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(pcm, "pcm");
    }

    /** The user (or background speaker) id, e.g. {@code user-03}. */
    public String userId() {
        return spec.speakerId();
    }

    /** The stable sample id, e.g. {@code user-03/train/007}. */
    public String sampleId() {
        return spec.sampleId();
    }

    /** The label: true when the clip ends with the wake word. */
    public boolean positive() {
        return spec.positive();
    }

    public Split split() {
        return spec.split();
    }

    /** What is said. */
    public String text() {
        return spec.synthesis().text();
    }

    public Voice voice() {
        return spec.synthesis().voice();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SyntheticClip other
                && spec.equals(other.spec)
                && speechStart == other.speechStart
                && speechEnd == other.speechEnd
                && Arrays.equals(pcm, other.pcm);
    }

    @Override
    public int hashCode() {
        return Objects.hash(spec, speechStart, speechEnd, Arrays.hashCode(pcm));
    }

    @Override
    public String toString() {
        return "SyntheticClip[" + spec.sampleId() + ", " + (spec.positive() ? "positive" : "negative") + ", "
                + spec.synthesis().voice() + ", '" + spec.synthesis().text() + "', " + pcm.length + " samples, speech "
                + speechStart + ".." + speechEnd + "]";
    }
}
