package dev.headstream.cli.evaluate;

import dev.headstream.core.adapt.task.ClipScorer;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import java.util.List;
import java.util.Objects;

/**
 * Scores a recording the way a streaming detector does: at every 80 ms step from the first one
 * that holds a whole window, each head reads the newest {@value EvalHead#WINDOW_FRAMES}
 * embeddings of {@link WakeWordBackbone#embedStream}. Window {@code w} is the one scored at the end
 * of step {@code w + 24} ({@value #FIRST_WINDOW_STEPS} steps give the first window), so a recording
 * of {@code K} whole steps has {@code K - 24} windows.
 *
 * <p>Any range of windows can be scored on its own ({@link #score}), with the same values as one
 * {@code embedStream} over the whole recording: the streaming front end runs the mel model on
 * each step's 1,280 samples plus 480 samples of left context, except the first step of a call,
 * which has none. So a range starting at window {@code w > 0} embeds from step {@code w - 1} on
 * and drops that call's first embedding, the only one that reads the context-free step; every
 * other embedding reads exactly the samples it reads in a whole-recording run. A test holds this.
 *
 * <p>Thread-safe (the backbone is; each call makes its own head scorers).
 */
public final class SegmentScorer {

    /** Steps that give the first scoring window: 9 warm-up steps plus 16 embeddings. */
    public static final int FIRST_WINDOW_STEPS = WakeWordBackbone.WARM_UP_STEPS + EvalHead.WINDOW_FRAMES;
    /** Samples of one window: 25 steps, 2.0 s. */
    public static final int WINDOW_SAMPLES = FIRST_WINDOW_STEPS * WakeWordBackbone.STEP_SAMPLES;

    private final WakeWordBackbone backbone;

    public SegmentScorer(WakeWordBackbone backbone) {
        this.backbone = Objects.requireNonNull(backbone, "backbone");
    }

    /** Windows scored in a recording of {@code samples} samples: one per whole step from the 25th on. */
    public static int windows(int samples) {
        return Math.max(0, WakeWordBackbone.streamingSteps(samples) - FIRST_WINDOW_STEPS + 1);
    }

    /** Seconds from the start of the recording to the end of window {@code w}'s last step. */
    public static double endSeconds(int window) {
        return (window + FIRST_WINDOW_STEPS) * (double) WakeWordBackbone.STEP_SAMPLES / WakeWordBackbone.SAMPLE_RATE_HZ;
    }

    /**
     * The logits of windows {@code [from, to)} of {@code recording}, per head:
     * {@code result[h][w - from]} is head {@code h}'s logit for window {@code w}.
     */
    public float[][] score(Recording recording, int from, int to, List<EvalHead> heads) {
        int total = windows(recording.length());
        if (from < 0 || to > total || from >= to) {
            throw new IllegalArgumentException("windows [" + from + ", " + to + ") of a recording with " + total);
        }
        int skip = from == 0 ? 0 : 1;
        int firstStep = from - skip;
        int embeddings = to - from + EvalHead.WINDOW_FRAMES - 1;
        int endStep = from + embeddings + WakeWordBackbone.WARM_UP_STEPS;
        short[] pcm =
                recording.read(firstStep * WakeWordBackbone.STEP_SAMPLES, endStep * WakeWordBackbone.STEP_SAMPLES);
        EmbeddingSequence e = backbone.embedStream(pcm);
        if (e.frames() != embeddings + skip) {
            throw new IllegalStateException("the backbone gave " + e.frames() + " embeddings for steps [" + firstStep
                    + ", " + endStep + "); expected " + (embeddings + skip));
        }
        float[][] logits = new float[heads.size()][to - from];
        for (int h = 0; h < heads.size(); h++) {
            ClipScorer scorer = heads.get(h).newScorer();
            float[] out = logits[h];
            for (int w = 0; w < out.length; w++) {
                out[w] = scorer.windowLogit(null, e.values(), e.offset(skip + w));
            }
        }
        return logits;
    }
}
