package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.SynthRequest;
import java.util.Objects;

/**
 * The plan for one clip, before any audio exists: everything needed to render it.
 *
 * @param speakerId    the speaker ({@code user-03} or {@code bg-02})
 * @param sampleId     stable id, {@code <speaker>/<split>/<index>} with the index in stream order, e.g. {@code user-03/train/007}
 * @param positive     true when the clip ends with the wake word
 * @param split        train (test-then-train) or holdout (evaluate only)
 * @param synthesis    what espeak-ng and sox are asked to say, and how
 * @param assemblySeed seed of the placement, level and noise in {@link ClipAssembler#assemble}
 */
public record ClipSpec(
        String speakerId, String sampleId, boolean positive, Split split, SynthRequest synthesis, long assemblySeed) {

    public ClipSpec {
        Objects.requireNonNull(speakerId, "speakerId");
        Objects.requireNonNull(sampleId, "sampleId");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(synthesis, "synthesis");
    }
}
