package dev.headstream.core.ingest;

/** A sample's label for one task. */
public sealed interface Label {

    /** Binary task: positive or not. */
    record Binary(boolean positive) implements Label {}

    /** Multi-class task: class index. */
    record ClassIndex(int index) implements Label {}

    /** Multi-label task: a 0/1 target per output and a mask (false = unlabeled "?"). */
    record MultiHot(float[] targets, boolean[] mask) implements Label {}
}
