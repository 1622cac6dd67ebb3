package dev.headstream.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.head.SourceHead;
import dev.headstream.runtime.assembly.EngineAssembly;
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
        EngineSpec spec = EngineSpec.fromProperties(Map.of(
                "headstream.models-dir", models().toString(),
                "headstream.negative-bank.enabled", "false",
                "headstream.tasks.wake.source-head", "fresh:7",
                "headstream.tasks.mine.source-head", "fresh:-3",
                "headstream.tasks.mine.architecture-of", ALEXA));
        SourceHead wake;
        SourceHead mine;
        try (Backbone backbone = EngineAssembly.backbone(spec)) {
            Map<String, BinaryHeadTask> tasks =
                    EngineAssembly.engine(spec, backbone).tasks();
            wake = tasks.get("wake").sourceHead();
            mine = tasks.get("mine").sourceHead();
        }

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
