package dev.headstream.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.head.SourceHead;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A source head rebuilt from a head record's id and the models directory is the engine's, bit for bit. */
class SourceHeadsTest {

    private static final String JARVIS = "hey_jarvis_v0.1.onnx";
    private static final String ALEXA = "alexa_v0.1.onnx";

    private static Path models() {
        return HeadModels.path(JARVIS).getParent();
    }

    @Test
    void aFreshStartIsRebuiltFromItsIdAsTheAssemblyBuildsIt() {
        // a fresh start needs the negative bank, so the engine is not built here (no bank in the test
        // models); EngineAssembly.engine takes each task's source head from SourceHeads.forTask
        EngineSpec spec = EngineSpec.fromProperties(Map.of(
                "headstream.models-dir",
                models().toString(),
                "headstream.tasks.wake.source-head",
                "fresh:7",
                "headstream.tasks.mine.source-head",
                "fresh:-3",
                "headstream.tasks.mine.architecture-of",
                ALEXA));
        SourceHead wake =
                SourceHeads.forTask(spec.tasks().get("wake"), spec.modelsDir()).head();
        SourceHead mine =
                SourceHeads.forTask(spec.tasks().get("mine"), spec.modelsDir()).head();

        assertThat(wake.id()).isEqualTo("fresh:7:hey_jarvis_v0.1");
        assertThat(wake.fresh()).isTrue();
        SourceHead jarvis = SourceHeads.resolve("hey_jarvis_v0.1", models()).head();
        assertThat(wake)
                .isEqualTo(SourceHead.initialized(
                        "fresh:7:hey_jarvis_v0.1", jarvis.architecture(), SourceHead.Init.RANDOM, 7));
        SourceHeads.Resolved back = SourceHeads.resolve(wake.id(), models());
        assertThat(back.head()).isEqualTo(wake);
        assertThat(back.head().sha256()).isEqualTo(wake.sha256()).isNotEqualTo(jarvis.sha256());
        assertThat(back.head().parameters()).containsExactly(wake.parameters());
        assertThat(back.interfaceModel())
                .as("an export takes the template's interface")
                .isEqualTo(HeadModels.bytes(JARVIS));
        assertThat(back.file()).isEqualTo(HeadModels.path(JARVIS));

        assertThat(mine.id()).isEqualTo("fresh:-3:alexa_v0.1");
        assertThat(mine.architecture())
                .isEqualTo(SourceHeads.resolve("alexa_v0.1", models()).head().architecture());
        assertThat(SourceHeads.resolve(mine.id(), models()).head()).isEqualTo(mine);
        assertThat(SourceHeads.resolve(mine.id(), models()).interfaceModel()).isEqualTo(HeadModels.bytes(ALEXA));
    }

    @Test
    void aPreTrainedHeadIsItsFileAsBefore() throws Exception {
        SourceHeads.Resolved r = SourceHeads.resolve("hey_jarvis_v0.1", models());
        assertThat(r.head()).isEqualTo(OnnxHeadImporter.importHead(HeadModels.path(JARVIS)));
        assertThat(r.head().fresh()).isFalse();
        assertThat(r.interfaceModel()).isEqualTo(HeadModels.bytes(JARVIS));
        EngineSpec.TaskSpec wake = EngineSpec.defaults(models()).tasks().get("wake");
        assertThat(SourceHeads.forTask(wake, models()).head()).isEqualTo(r.head());
    }

    @Test
    void aMissingTemplateOrSourceFileIsNamedWithTheModelsDirectory(@TempDir Path empty) {
        assertThatThrownBy(() -> SourceHeads.resolve("fresh:7:hey_jarvis_v0.1", empty))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("template of the fresh start fresh:7:hey_jarvis_v0.1 (the file whose head architecture and"
                        + " ONNX interface it takes) not found: " + empty.resolve(JARVIS) + " (set --models-dir)");
        assertThatThrownBy(() -> SourceHeads.resolve("hey_jarvis_v0.1", empty))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("source head model not found: " + empty.resolve(JARVIS) + " (set --models-dir)");
        EngineSpec.TaskSpec fresh = EngineSpec.fromProperties(Map.of("headstream.tasks.wake.source-head", "fresh:7"))
                .tasks()
                .get("wake");
        assertThatThrownBy(() -> SourceHeads.forTask(fresh, empty))
                .hasMessageContaining("template of the fresh start fresh:7")
                .hasMessageContaining("(set headstream.models-dir)");
    }

    @Test
    void anIdThatLeadsOutOfTheModelsDirectoryIsRefused(@TempDir Path root) throws Exception {
        Path models = Files.createDirectory(root.resolve("models"));
        // a real head beside the models directory, where a hostile id would reach it
        Files.copy(HeadModels.path(JARVIS), root.resolve(JARVIS));
        Files.createDirectory(models.resolve("sub"));
        Files.copy(HeadModels.path(JARVIS), models.resolve("sub").resolve(JARVIS));
        for (String id : new String[] {
            "fresh:7:../hey_jarvis_v0.1",
            "fresh:7:" + root.resolve("hey_jarvis_v0.1"),
            "fresh:7:sub/hey_jarvis_v0.1",
            "fresh:7:sub\\..\\..\\hey_jarvis_v0.1",
            "../hey_jarvis_v0.1",
            root.resolve("hey_jarvis_v0.1").toString(),
            "sub/../../hey_jarvis_v0.1",
            "sub/hey_jarvis_v0.1"
        }) {
            assertThatThrownBy(() -> SourceHeads.resolve(id, models, "acme/alice/wake"))
                    .as(id)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("for acme/alice/wake")
                    .hasMessageContaining("not a file directly in the models directory " + models.toAbsolutePath())
                    .hasMessageContaining("refused");
        }
        Files.copy(HeadModels.path(JARVIS), models.resolve(JARVIS));
        assertThat(SourceHeads.resolve("fresh:7:hey_jarvis_v0.1", models).file())
                .isEqualTo(models.resolve(JARVIS));
        assertThat(SourceHeads.resolve("hey_jarvis_v0.1", models).file()).isEqualTo(models.resolve(JARVIS));
        EngineSpec.TaskSpec outside = new EngineSpec.TaskSpec(
                "../" + JARVIS,
                dev.headstream.core.adapt.task.HeadRecipe.wakeWordDefault(),
                dev.headstream.core.adapt.task.AlarmPolicy.DEFAULT_ALARM_ACTION,
                0.5,
                dev.headstream.core.adapt.task.BankTraining.defaults(),
                java.util.Optional.empty(),
                java.util.Optional.empty(),
                java.util.Optional.empty());
        assertThatThrownBy(() -> SourceHeads.forTask(outside, models))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a file in the models directory");
    }

    @Test
    void aMalformedFreshIdIsRefused() throws Exception {
        Path models = models();
        for (String id : new String[] {"fresh:7", "fresh:x:hey_jarvis_v0.1", "fresh::hey_jarvis_v0.1", "fresh:7:"}) {
            assertThatThrownBy(() -> SourceHeads.resolve(id, models))
                    .as(id)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("source head id '" + id + "'");
        }
        assertThatThrownBy(() -> SourceHeads.resolve("", models)).hasMessage("the head record names no source head");
        assertThat(Files.isRegularFile(models.resolve(JARVIS))).isTrue();
    }
}
