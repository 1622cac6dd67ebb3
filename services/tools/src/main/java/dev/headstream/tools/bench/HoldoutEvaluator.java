package dev.headstream.tools.bench;

import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.ClipScorer;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.MlpHead;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticUser;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Scores every user's adapted head against the source head on holdout clips: recall on the
 * user's own holdout positives, false accepts on the holdout negatives of all users.
 */
public final class HoldoutEvaluator {

    /** A user's head as a consumer holds it. */
    public record UserHead(MlpHead head, float[] source, float[] trainable, float threshold, long version) {}

    /**
     * Any per-user detector: a clip score in {@code [0, 1]} (its highest window's), a window's
     * score on continuous speech, and the threshold it accepts at.
     */
    public interface UserDetector extends HeldOutSpeech.WindowScore {
        float score(EmbeddingSequence clip);

        float threshold();

        long version();
    }

    /** An MLP head's published tail on its scorer, as a detector. */
    public record HeadDetector(ClipScorer scorer, float[] trainable, float threshold, long version)
            implements UserDetector {
        @Override
        public float score(EmbeddingSequence clip) {
            return scorer.score(trainable, clip);
        }

        @Override
        public float score(float[] frames, int offset) {
            return MlpHead.sigmoid(scorer.windowLogit(trainable, frames, offset));
        }
    }

    private HoldoutEvaluator() {}

    public static HoldoutTable evaluate(
            List<SyntheticUser> users,
            Map<SyntheticClip, EmbeddingSequence> embeddings,
            Function<String, UserHead> headOf,
            int windowFrames) {
        return evaluate(users, embeddings, headOf, windowFrames, null);
    }

    /** {@link #evaluate} plus false accepts per hour of every head on {@code speech} (null: none). */
    public static HoldoutTable evaluate(
            List<SyntheticUser> users,
            Map<SyntheticClip, EmbeddingSequence> embeddings,
            Function<String, UserHead> headOf,
            int windowFrames,
            HeldOutSpeech speech) {
        UserHead any = headOf.apply(users.get(0).id());
        ClipScorer source = new ClipScorer(any.head(), any.source(), windowFrames);
        return evaluateDetectors(
                users,
                embeddings,
                id -> {
                    UserHead h = headOf.apply(id);
                    return new HeadDetector(
                            new ClipScorer(h.head(), h.source(), windowFrames),
                            h.trainable(),
                            h.threshold(),
                            h.version());
                },
                clip -> source.score(null, clip),
                speech == null
                        ? null
                        : new SpeechScoring(speech, (f, o) -> MlpHead.sigmoid(source.windowLogit(null, f, o))));
    }

    /** Held-out speech and the source head's window scores on it. */
    public record SpeechScoring(HeldOutSpeech speech, HeldOutSpeech.WindowScore source) {}

    public static HoldoutTable evaluateDetectors(
            List<SyntheticUser> users,
            Map<SyntheticClip, EmbeddingSequence> embeddings,
            Function<String, UserDetector> detectorOf,
            ToDoubleFunction<EmbeddingSequence> sourceScore) {
        return evaluateDetectors(users, embeddings, detectorOf, sourceScore, null);
    }

    /**
     * {@link #evaluate} for any detector; {@code sourceScore} scores a clip with the source head
     * (accepted at {@link BinaryHeadTask#SOURCE_THRESHOLD}).
     */
    public static HoldoutTable evaluateDetectors(
            List<SyntheticUser> users,
            Map<SyntheticClip, EmbeddingSequence> embeddings,
            Function<String, UserDetector> detectorOf,
            ToDoubleFunction<EmbeddingSequence> sourceScore,
            SpeechScoring speech) {
        int sourceActivations =
                speech == null ? 0 : speech.speech().activations(speech.source(), BinaryHeadTask.SOURCE_THRESHOLD);
        List<SyntheticClip> negatives = users.stream()
                .flatMap(u -> u.holdout().stream())
                .filter(c -> !c.positive())
                .toList();
        HoldoutTable table = new HoldoutTable();
        for (SyntheticUser u : users) {
            UserDetector h = detectorOf.apply(u.id());
            int pos = 0;
            int srcTp = 0;
            int adaTp = 0;
            for (SyntheticClip c : u.holdout()) {
                if (c.positive()) {
                    pos++;
                    srcTp += sourceScore.applyAsDouble(embeddings.get(c)) >= BinaryHeadTask.SOURCE_THRESHOLD ? 1 : 0;
                    adaTp += h.score(embeddings.get(c)) >= h.threshold() ? 1 : 0;
                }
            }
            int srcFa = 0;
            int adaFa = 0;
            for (SyntheticClip c : negatives) {
                srcFa += sourceScore.applyAsDouble(embeddings.get(c)) >= BinaryHeadTask.SOURCE_THRESHOLD ? 1 : 0;
                int fa = h.score(embeddings.get(c)) >= h.threshold() ? 1 : 0;
                adaFa += fa;
                if (fa == 1) {
                    table.falseAccept(
                            u.id(),
                            c.sampleId() + " \"" + c.text() + "\" (" + c.voice().espeakName() + ")");
                }
            }
            table.add(new HoldoutTable.Row(
                    u.id(),
                    u.train().size(),
                    h.version(),
                    pos,
                    pos == 0 ? 0 : srcTp / (double) pos,
                    pos == 0 ? 0 : adaTp / (double) pos,
                    negatives.size(),
                    srcFa,
                    adaFa,
                    h.threshold(),
                    speech == null ? 0 : speech.speech().hours(),
                    sourceActivations,
                    speech == null ? 0 : speech.speech().activations(h, h.threshold())));
        }
        return table;
    }
}
