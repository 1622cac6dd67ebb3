package dev.headstream.cli.detect;

import dev.headstream.cli.evaluate.EvalHead;
import dev.headstream.cli.evaluate.SegmentScorer;
import dev.headstream.core.adapt.task.ClipScorer;
import dev.headstream.core.detect.Detections;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.MlpHead;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A wake-word detector over one continuous stream of 16 kHz mono 16-bit audio, fed in pieces of
 * any size ({@link #accept}). It scores every 80 ms step from the first one that holds a whole
 * window, as openWakeWord's streaming runtime and {@code eval} do: window {@code w} reads the
 * newest 16 embeddings at the end of step {@code w + 24}. Every window is scored with the head that
 * {@link HeadSource#current()} gives at that moment, a whole immutable version, so a new version is
 * used from the next window on (hot swap, no window skipped, none scored by a mix of two versions).
 * It activates at a window whose logit reaches that version's threshold, unless an activation
 * happened less than {@link Detections#REFRACTORY_STEPS} windows before: the same rule
 * {@link Detections} counts false accepts with.
 *
 * <p>The windows that are ready are scored in blocks of up to {@code blockWindows}, each block
 * embedded in one run of the backbone's streaming front end from the step before its first window
 * (whose embedding is dropped), so every window's embeddings are exactly those of one run over the
 * whole stream ({@link SegmentScorer}): the detector finds the same activations as {@code eval},
 * however the audio is cut into pieces. Only the samples the next block needs are kept.
 *
 * <p>Not thread-safe: one thread feeds it. The backbone is shared and not closed here.
 */
public final class StreamingDetector {

    /** What a detector reports, on the thread that feeds it. */
    public interface Events {
        /** An activation. */
        default void detected(Detection detection) {}

        /**
         * From window {@code window} on, the detector scores with {@code current} instead of
         * {@code previous}; either may be null (no head yet, or erased).
         */
        default void headChanged(DetectorHead previous, DetectorHead current, long window) {}

        /** Window {@code window} was scored by {@code head} with {@code logit} (for traces and tests). */
        default void scored(long window, DetectorHead head, float logit) {}
    }

    private static final int STEP = WakeWordBackbone.STEP_SAMPLES;

    private final WakeWordBackbone backbone;
    private final HeadSource heads;
    private final Events events;
    private final int blockWindows;

    /** Samples from absolute sample {@link #bufferStart} on. */
    private short[] buffer = new short[STEP * 64];

    private int buffered;
    private long bufferStart;
    private long received;
    private long nextWindow;
    private long nextAllowed;
    private long unscored;
    private long detections;
    private DetectorHead inUse;
    private ClipScorer scorer;

    /**
     * @param blockWindows most windows embedded in one backbone run (256 = 20 s of audio)
     */
    public StreamingDetector(WakeWordBackbone backbone, HeadSource heads, Events events, int blockWindows) {
        if (blockWindows < 1) {
            throw new IllegalArgumentException("block windows must be at least 1, was " + blockWindows);
        }
        this.backbone = Objects.requireNonNull(backbone, "backbone");
        this.heads = Objects.requireNonNull(heads, "heads");
        this.events = Objects.requireNonNull(events, "events");
        this.blockWindows = blockWindows;
    }

    /** Appends {@code pcm[from, from + length)} to the stream and scores every window it completes. */
    public void accept(short[] pcm, int from, int length) {
        Objects.checkFromIndexSize(from, length, pcm.length);
        if (buffered + length > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, buffered + length));
        }
        System.arraycopy(pcm, from, buffer, buffered, length);
        buffered += length;
        received += length;
        score();
    }

    /** Windows that the audio received so far holds: one per whole step from the 25th on. */
    public static long windows(long samples) {
        return Math.max(0, samples / STEP - SegmentScorer.FIRST_WINDOW_STEPS + 1);
    }

    /** Seconds from the start of the stream to the end of window {@code window}. */
    public static double endSeconds(long window) {
        return (window + SegmentScorer.FIRST_WINDOW_STEPS) * (double) STEP / WakeWordBackbone.SAMPLE_RATE_HZ;
    }

    private void score() {
        long ready = windows(received);
        while (nextWindow < ready) {
            long to = Math.min(ready, nextWindow + blockWindows);
            scoreBlock(nextWindow, to);
            nextWindow = to;
            // the next block embeds from the step before its first window
            drop((to - 1) * STEP);
        }
    }

    private void scoreBlock(long from, long to) {
        int skip = from == 0 ? 0 : 1;
        long firstStep = from - skip;
        long endStep = to + SegmentScorer.FIRST_WINDOW_STEPS - 1;
        int start = Math.toIntExact(firstStep * STEP - bufferStart);
        int end = Math.toIntExact(endStep * STEP - bufferStart);
        EmbeddingSequence e = backbone.embedStream(Arrays.copyOfRange(buffer, start, end));
        int windows = Math.toIntExact(to - from);
        if (e.frames() != windows + EvalHead.WINDOW_FRAMES - 1 + skip) {
            throw new IllegalStateException("the backbone gave " + e.frames() + " embeddings for steps [" + firstStep
                    + ", " + endStep + "); expected " + (windows + EvalHead.WINDOW_FRAMES - 1 + skip));
        }
        for (int i = 0; i < windows; i++) {
            long w = from + i;
            DetectorHead head = swap(heads.current(), w);
            if (head == null) {
                unscored++;
                continue;
            }
            float logit = scorer.windowLogit(null, e.values(), e.offset(skip + i));
            events.scored(w, head, logit);
            if (w >= nextAllowed && logit >= head.head().logitThreshold()) {
                detections++;
                nextAllowed = w + Detections.REFRACTORY_STEPS;
                events.detected(new Detection(w, endSeconds(w), MlpHead.sigmoid(logit), head));
            }
        }
    }

    /** The head to score window {@code w} with, telling {@link Events} when it changes. */
    private DetectorHead swap(Optional<DetectorHead> offered, long w) {
        DetectorHead next = offered.orElse(null);
        if (next != inUse) {
            events.headChanged(inUse, next, w);
            inUse = next;
            scorer = next == null ? null : next.head().newScorer();
        }
        return inUse;
    }

    /** Forgets the samples before absolute sample {@code sample}. */
    private void drop(long sample) {
        int n = Math.toIntExact(Math.min(buffered, Math.max(0, sample - bufferStart)));
        System.arraycopy(buffer, n, buffer, 0, buffered - n);
        buffered -= n;
        bufferStart += n;
    }

    /** Samples received so far. */
    public long received() {
        return received;
    }

    /** Windows scored or passed over (no head) so far. */
    public long windowsDone() {
        return nextWindow;
    }

    /** Windows passed over because there was no head. */
    public long unscored() {
        return unscored;
    }

    /** Activations so far. */
    public long detections() {
        return detections;
    }

    /** The head of the last window scored, or null. */
    public DetectorHead inUse() {
        return inUse;
    }
}
