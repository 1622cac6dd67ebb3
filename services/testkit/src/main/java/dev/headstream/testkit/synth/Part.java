package dev.headstream.testkit.synth;

import java.util.List;

/**
 * The disjoint parts that voices (by speaker group) and texts are split into.
 *
 * <p>The first three are parts of the negative bank of other people's speech; {@link #USERS}
 * voices are kept for held-out synthetic users and never read bank text.
 */
public enum Part {
    /** Negative bank audio that heads are trained on. */
    TRAIN,
    /** Negative bank audio that thresholds are calibrated on. */
    CALIBRATION,
    /** Negative bank audio that false accepts are measured on. */
    EVALUATION,
    /** Voices of held-out synthetic users; no text pool. */
    USERS;

    /** The three parts of the negative bank, in order. */
    public static final List<Part> BANK = List.of(TRAIN, CALIBRATION, EVALUATION);

    /** Whether this is one of the negative bank's parts (everything but {@link #USERS}). */
    public boolean bank() {
        return this != USERS;
    }
}
