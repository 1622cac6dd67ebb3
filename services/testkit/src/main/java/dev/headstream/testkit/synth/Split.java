package dev.headstream.testkit.synth;

/** Which part of a user's stream a clip belongs to, mirroring the wire {@code Sample} split. */
public enum Split {
    /** Test-then-train: scored with the current head, then trained on. */
    TRAIN,
    /** Evaluate only: never trained on. */
    HOLDOUT
}
