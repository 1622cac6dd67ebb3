package dev.headstream.core.ingest;

/** What a sample is for. */
public enum Split {
    /** Scored by the source and the adapted head first (prequential), then trained on. */
    TRAIN,
    /** Scored only; never trained on. */
    HOLDOUT
}
