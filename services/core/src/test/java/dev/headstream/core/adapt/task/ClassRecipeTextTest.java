package dev.headstream.core.adapt.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.embed.ClipPooling;
import dev.headstream.core.ingest.TaskKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A class recipe's text is part of the engine's state fingerprint: a recipe with the default
 * pooling reads as the record of ten components did before poolings existed (so a local store
 * written then is still used), and another pooling changes it.
 */
class ClassRecipeTextTest {

    /** The recipe as it was before {@code pooling}: Java writes a record's text. */
    private record ClassRecipe(
            TaskKind.Type kind,
            List<String> labels,
            long startSeed,
            int hidden,
            float learningRate,
            float l2sp,
            float maxGradientNorm,
            int steps,
            int batch,
            int replayBuffer) {}

    @Test
    void theDefaultPoolingReadsAsTheRecipeBeforePoolingsAndAnotherDoesNot() {
        List<String> labels = List.of("ann", "bob");
        ClassRecipe before = new ClassRecipe(TaskKind.Type.MULTI_CLASS, labels, 7, 64, 3e-3f, 1e-4f, 5f, 8, 8, 64);
        dev.headstream.core.adapt.task.ClassRecipe now =
                dev.headstream.core.adapt.task.ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, labels, 7);
        assertThat(now.toString()).isEqualTo(before.toString());

        dev.headstream.core.adapt.task.ClassRecipe mel = new dev.headstream.core.adapt.task.ClassRecipe(
                TaskKind.Type.MULTI_CLASS, labels, 7, 64, 3e-3f, 1e-4f, 5f, 8, 8, 64, ClipPooling.MEL_CEPSTRUM);
        assertThat(mel.toString())
                .isEqualTo(before.toString().substring(0, before.toString().length() - 1) + ", pooling=MEL_CEPSTRUM]");
    }
}
