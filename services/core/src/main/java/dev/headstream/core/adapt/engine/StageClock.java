package dev.headstream.core.adapt.engine;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Cumulative wall time the engine spent in each stage of its batches, for the adapter's
 * per-stage metrics and {@code bench-e2e}'s per-stage split. Counts every attempt at a batch
 * (a retried batch is counted each time). Thread-safe.
 */
public final class StageClock {

    /** The stages of a batch, in the order a sample goes through them. */
    public enum Stage {
        /** Decoding and validating the records. */
        DECODE,
        /** Loading the batch's users from the state store into its cache (a store on disk only). */
        LOAD_STATE,
        /** The backbone's embedding of the batch's valid samples. */
        EMBED,
        /** Scoring, training and monitoring each applied sample, in order. */
        TRAIN,
        /** Control commands, then the touched heads' versions: threshold calibration and the head records. */
        PUBLISH,
        /** Encoding the touched users' state records for the changelog. */
        ENCODE_STATE,
        /** Writing a committed batch's users to the state store (a store on disk: one write with its checkpoint). */
        STORE_STATE
    }

    private final Map<Stage, LongAdder> nanos = new EnumMap<>(Stage.class);

    public StageClock() {
        for (Stage s : Stage.values()) {
            nanos.put(s, new LongAdder());
        }
    }

    /** Adds the time since {@code startNanos} ({@link System#nanoTime()}) to {@code stage}; returns now. */
    public long lap(Stage stage, long startNanos) {
        long now = System.nanoTime();
        nanos.get(stage).add(now - startNanos);
        return now;
    }

    /** Seconds spent in {@code stage} so far. */
    public double seconds(Stage stage) {
        return nanos.get(stage).sum() / 1e9;
    }
}
