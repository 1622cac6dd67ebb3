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

    private HoldoutEvaluator() {
    }

    public static HoldoutTable evaluate(List<SyntheticUser> users, Map<SyntheticClip, EmbeddingSequence> embeddings,
            Function<String, UserHead> headOf, int windowFrames) {
        List<SyntheticClip> negatives = users.stream().flatMap(u -> u.holdout().stream())
                .filter(c -> !c.positive()).toList();
        HoldoutTable table = new HoldoutTable();
        for (SyntheticUser u : users) {
            UserHead h = headOf.apply(u.id());
            ClipScorer scorer = new ClipScorer(h.head(), h.source(), windowFrames);
            int pos = 0;
            int srcTp = 0;
            int adaTp = 0;
            for (SyntheticClip c : u.holdout()) {
                if (c.positive()) {
                    pos++;
                    srcTp += accepted(scorer, null, embeddings.get(c), BinaryHeadTask.SOURCE_THRESHOLD);
                    adaTp += accepted(scorer, h.trainable(), embeddings.get(c), h.threshold());
                }
            }
            int srcFa = 0;
            int adaFa = 0;
            for (SyntheticClip c : negatives) {
                srcFa += accepted(scorer, null, embeddings.get(c), BinaryHeadTask.SOURCE_THRESHOLD);
                int fa = accepted(scorer, h.trainable(), embeddings.get(c), h.threshold());
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

    private static int accepted(ClipScorer scorer, float[] trainable, EmbeddingSequence e, float threshold) {
        return scorer.score(trainable, e) >= threshold ? 1 : 0;
    }
}
