package dev.headstream.cli.eval;

import dev.headstream.cli.synth.SyntheticClip;
import dev.headstream.cli.synth.SyntheticUser;
import dev.headstream.core.adapt.BinaryHeadTask;
import dev.headstream.core.adapt.ClipScorer;
import dev.headstream.core.backbone.EmbeddingSequence;
import dev.headstream.core.head.MlpHead;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Scores every user's adapted head against the source head on holdout clips: recall on the
 * user's own holdout positives, false accepts on the holdout negatives of all users.
 */
public final class HoldoutEvaluator {

    /** A user's head as a consumer holds it. */
    public record UserHead(MlpHead head, float[] source, float[] trainable, float threshold, long version) {
    }

    /** Any per-user detector: a clip score in {@code [0, 1]} and the threshold it accepts at. */
    public interface UserDetector {
        float score(EmbeddingSequence clip);

        float threshold();

        long version();
    }

    /** An MLP head's published tail on its scorer, as a detector. */
    public record HeadDetector(ClipScorer scorer, float[] trainable, float threshold, long version) implements UserDetector {
        @Override
        public float score(EmbeddingSequence clip) {
            return scorer.score(trainable, clip);
        }
    }

    private HoldoutEvaluator() {
    }

    public static HoldoutTable evaluate(List<SyntheticUser> users, Map<SyntheticClip, EmbeddingSequence> embeddings,
            Function<String, UserHead> headOf, int windowFrames) {
        UserHead any = headOf.apply(users.get(0).id());
        ClipScorer source = new ClipScorer(any.head(), any.source(), windowFrames);
        return evaluateDetectors(users, embeddings, id -> {
            UserHead h = headOf.apply(id);
            return new HeadDetector(new ClipScorer(h.head(), h.source(), windowFrames), h.trainable(), h.threshold(),
                    h.version());
        }, clip -> source.score(null, clip));
    }

    /**
     * {@link #evaluate} for any detector; {@code sourceScore} scores a clip with the source head
     * (accepted at {@link BinaryHeadTask#SOURCE_THRESHOLD}).
     */
    public static HoldoutTable evaluateDetectors(List<SyntheticUser> users, Map<SyntheticClip, EmbeddingSequence> embeddings,
            Function<String, UserDetector> detectorOf, java.util.function.ToDoubleFunction<EmbeddingSequence> sourceScore) {
        List<SyntheticClip> negatives = users.stream().flatMap(u -> u.holdout().stream())
                .filter(c -> !c.positive()).toList();
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
                    table.falseAccept(u.id(), c.sampleId() + " \"" + c.text() + "\" (" + c.voice().espeakName() + ")");
                }
            }
            table.add(new HoldoutTable.Row(u.id(), u.train().size(), h.version(), pos,
                    pos == 0 ? 0 : srcTp / (double) pos, pos == 0 ? 0 : adaTp / (double) pos, negatives.size(), srcFa,
                    adaFa, h.threshold()));
        }
        return table;
    }

}
