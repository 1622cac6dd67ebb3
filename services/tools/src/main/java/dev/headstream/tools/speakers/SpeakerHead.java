package dev.headstream.tools.speakers;

import java.util.List;

/**
 * A household's speaker head on per-utterance vectors: one class per member, and "nobody"
 * (class {@value #UNKNOWN}) when the best member score is below the open-set threshold.
 *
 * <p>Call order: build from the members' enrollment vectors, {@link #score} any vectors, then
 * {@link #decide} against a threshold calibrated on {@link #score}s of other people's speech.
 * Thread-safety: one thread per head (an implementation may keep scratch memory).
 */
public interface SpeakerHead {

    /** The decision for an utterance that no member's score reaches the threshold for. */
    int UNKNOWN = -1;

    /**
     * A scored utterance.
     *
     * @param best  the member with the highest score (lowest index on ties)
     * @param score that member's score
     */
    record Score(int best, float score) {}

    /** Number of members (classes). */
    int members();

    Score score(float[] x);

    /** The member, or {@link #UNKNOWN} when {@code score} is below {@code threshold}. */
    static int decide(Score s, float threshold) {
        return s.score() >= threshold ? s.best() : UNKNOWN;
    }

    /** Builds a head from each member's enrollment vectors (all of them are used). */
    interface Factory {
        String name();

        SpeakerHead build(List<List<float[]>> enrollment);
    }
}
