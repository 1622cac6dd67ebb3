package dev.headstream.cli.detect;

import dev.headstream.cli.evaluate.EvalHead;
import dev.headstream.cli.evaluate.SegmentScorer;
import dev.headstream.core.adapt.task.ClipScorer;
import dev.headstream.core.detect.Detections;
import dev.headstream.core.head.MlpHead;
import dev.headstream.runtime.backbone.WakeWordBackbone;
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
 * <p>The audio goes through one incremental stream of the backbone's front end
 * ({@link WakeWordBackbone#openStream}), which gives each embedding once, as soon as its step has
 * arrived, exactly as one run over the whole stream gives it ({@link SegmentScorer}): the detector
 * finds the same activations as {@code eval}, however the audio is cut into pieces, and a window
 * costs one step of mel and one embedding whether the audio comes a step or a file at a time.
 * Each window is scored as its last embedding arrives. A piece is pushed at most
 * {@code blockWindows} steps at a time; the detector keeps only the newest 16 embeddings (and the
 * stream its few frames), so memory is bounded whatever the stream's length.
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
    private static final int DIM = WakeWordBackbone.EMBEDDING_DIM;
    private static final int FRAMES = EvalHead.WINDOW_FRAMES;

    private final WakeWordBackbone.Stream stream;
    private final HeadSource heads;
    private final Events events;
    private final int pieceSamples;

    /**
     * The newest {@value EvalHead#WINDOW_FRAMES} embeddings, each written twice: embedding {@code j}
     * at slots {@code j % 16} and {@code j % 16 + 16}, so the window of embeddings
     * {@code [w, w + 16)} lies whole from slot {@code w % 16}.
     */
    private final float[] newest = new float[2 * FRAMES * DIM];

    private long embeddings;
    private long nextWindow;
    private long nextAllowed;
    private long unscored;
    private long detections;
    private DetectorHead inUse;
    private ClipScorer scorer;

    /**
     * @param blockWindows most steps (= windows) of audio pushed through the backbone at once (256 =
     *     20 s); bounds the memory a large piece takes, not how windows are scored
     */
    public StreamingDetector(WakeWordBackbone backbone, HeadSource heads, Events events, int blockWindows) {
        if (blockWindows < 1) {
            throw new IllegalArgumentException("block windows must be at least 1, was " + blockWindows);
        }
        this.stream = Objects.requireNonNull(backbone, "backbone").openStream();
        this.heads = Objects.requireNonNull(heads, "heads");
        this.events = Objects.requireNonNull(events, "events");
        this.pieceSamples = (int) Math.min((long) blockWindows * STEP, Integer.MAX_VALUE - STEP);
    }

    /** Appends {@code pcm[from, from + length)} to the stream and scores every window it completes. */
    public void accept(short[] pcm, int from, int length) {
        Objects.checkFromIndexSize(from, length, pcm.length);
        for (int at = from, end = from + length; at < end; ) {
            int n = Math.min(pieceSamples, end - at);
            float[] e = stream.push(pcm, at, n);
            at += n;
            for (int i = 0; i < e.length; i += DIM) {
                add(e, i);
            }
        }
    }

    /** Files the next embedding and scores the window it completes, if any. */
    private void add(float[] e, int offset) {
        int slot = (int) (embeddings % FRAMES);
        System.arraycopy(e, offset, newest, slot * DIM, DIM);
        System.arraycopy(e, offset, newest, (slot + FRAMES) * DIM, DIM);
        embeddings++;
        if (embeddings >= FRAMES) {
            score(embeddings - FRAMES);
        }
    }

    private void score(long w) {
        if (w != nextWindow) {
            throw new IllegalStateException("window " + w + " completed, expected " + nextWindow);
        }
        nextWindow++;
        DetectorHead head = swap(heads.current(), w);
        if (head == null) {
            unscored++;
            return;
        }
        float logit = scorer.windowLogit(null, newest, (int) (w % FRAMES) * DIM);
        events.scored(w, head, logit);
        if (w >= nextAllowed && logit >= head.head().logitThreshold()) {
            detections++;
            nextAllowed = w + Detections.REFRACTORY_STEPS;
            events.detected(new Detection(w, endSeconds(w), MlpHead.sigmoid(logit), head));
        }
    }

    /** Windows that the audio received so far holds: one per whole step from the 25th on. */
    public static long windows(long samples) {
        return Math.max(0, samples / STEP - SegmentScorer.FIRST_WINDOW_STEPS + 1);
    }

    /** Seconds from the start of the stream to the end of window {@code window}. */
    public static double endSeconds(long window) {
        return (window + SegmentScorer.FIRST_WINDOW_STEPS) * (double) STEP / WakeWordBackbone.SAMPLE_RATE_HZ;
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

    /** Samples received so far. */
    public long received() {
        return stream.samples();
    }

    /** Windows scored or passed over (no head) so far. */
    public long windowsDone() {
        return nextWindow;
    }

    /** Windows scored with a head so far. */
    public long scored() {
        return nextWindow - unscored;
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
