package dev.headstream.testkit.synth;

import java.util.List;
import java.util.Objects;

/**
 * A synthetic user and its stream: train clips (positives and negatives interleaved in a
 * seeded order) followed by holdout clips.
 *
 * @param speaker the user's voice
 * @param stream  the clips in the order a producer should send them
 */
public record SyntheticUser(Speaker speaker, List<SyntheticClip> stream) {

    public SyntheticUser {
        Objects.requireNonNull(speaker, "speaker");
        stream = List.copyOf(stream);
    }

    public String id() {
        return speaker.id();
    }

    /** The train clips, in stream order. */
    public List<SyntheticClip> train() {
        return stream.stream().filter(c -> c.split() == Split.TRAIN).toList();
    }

    /** The holdout clips, in stream order. */
    public List<SyntheticClip> holdout() {
        return stream.stream().filter(c -> c.split() == Split.HOLDOUT).toList();
    }
}
