package dev.headstream.cli.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.cli.export.HeadExport;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.runtime.onnx.OnnxHeadImporter;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Provenance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeadLoaderTest {

    private static final Path MODELS = TestAudio.modelsDir();

    @TempDir
    Path dir;

    @Test
    void readsAnExportedHeadWithTheThresholdFromItsMetadata() throws Exception {
        HeadUpdate update = adapted("acme/alice/wake", 0.3125f);
        Path heads = dir.resolve("heads");
        HeadExport.export(update, MODELS, heads.resolve("alice.onnx"));

        EvalHead h = HeadLoader.fromDirectory(heads, List.of("alice"), null).get("alice");

        assertThat(h.threshold()).isEqualTo(0.3125f);
        assertThat(h.thresholdFrom()).isEqualTo("metadata headstream.threshold");
        assertThat(h.backboneSha256()).isEqualTo("cd".repeat(32));
        assertThat(h.role()).isEqualTo(EvalHead.Role.ADAPTED);
        SourceHead source = OnnxHeadImporter.importHead(MODELS.resolve("hey_jarvis_v0.1.onnx"));
        HeadCodec.Decoded d = HeadCodec.decode(update, source);
        float[] window = window();
        MlpHead.Workspace ws = d.head().newWorkspace();
        assertThat(h.newScorer().windowLogit(null, window, 0))
                .isEqualTo(d.head().logit(d.source(), d.trainable(), window, 0, ws));
    }

    @Test
    void theOverrideWinsOverTheMetadata() throws Exception {
        Path file = dir.resolve("alice.onnx");
        HeadExport.export(adapted("acme/alice/wake", 0.3125f), MODELS, file);

        EvalHead h = HeadLoader.fromFile(file, 0.75f);

        assertThat(h.threshold()).isEqualTo(0.75f);
        assertThat(h.thresholdFrom()).isEqualTo("--threshold");
    }

    @Test
    void aPlainOpenWakeWordHeadUsesItsDefaultThreshold() {
        EvalHead h = HeadLoader.fromFile(MODELS.resolve("alexa_v0.1.onnx"), null);

        assertThat(h.threshold()).isEqualTo(0.5f);
        assertThat(h.thresholdFrom()).isEqualTo("openWakeWord's default (no headstream.threshold metadata)");
    }

    @Test
    void aUserWithoutAHeadFileIsNamed() throws Exception {
        Files.createDirectories(dir.resolve("heads"));

        assertThatThrownBy(() -> HeadLoader.fromDirectory(dir.resolve("heads"), List.of("bob"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no head for user bob in " + dir.resolve("heads") + ": " + dir.resolve("heads/bob.onnx")
                        + " does not exist");
    }

    @Test
    void aHeadFromTheTopicIsExactlyWhatExportHeadWrites() throws Exception {
        HeadUpdate update = adapted("acme/alice/wake", 0.3125f);
        Path file = dir.resolve("exported.onnx");
        HeadExport.export(update, MODELS, file);

        byte[] inMemory = HeadLoader.export(update, MODELS, new HashMap<>());

        assertThat(inMemory).isEqualTo(Files.readAllBytes(file));
        assertThat(HeadLoader.metadata(inMemory))
                .containsEntry("headstream.threshold", "0.3125")
                .containsEntry("headstream.head_id", "acme/alice/wake");
    }

    /** An update of hey_jarvis with its top two layers nudged. */
    private static HeadUpdate adapted(String headId, float threshold) throws Exception {
        SourceHead source = OnnxHeadImporter.importHead(MODELS.resolve("hey_jarvis_v0.1.onnx"));
        MlpHead head = new MlpHead(source.architecture(), 2);
        float[] tail = head.initialTrainable(source.parameters());
        for (int i = 0; i < tail.length; i++) {
            tail[i] += (i % 7 - 3) * 1e-2f;
        }
        return HeadUpdate.newBuilder()
                .setHeadId(headId)
                .setVersion(3)
                .setStatus(HeadStatus.HEAD_STATUS_ACTIVE)
                .setProvenance(Provenance.newBuilder()
                        .setSourceHeadId(source.id())
                        .setSourceHeadSha256(source.sha256())
                        .setBackboneSha256("cd".repeat(32)))
                .setSpec(HeadCodec.spec(source.architecture(), 2, 16, 96))
                .addAllTrainable(HeadCodec.tensors(head, tail))
                .setThreshold(threshold)
                .build();
    }

    private static float[] window() {
        float[] w = new float[1536];
        short[] t = TestAudio.tones(1536, 5);
        for (int i = 0; i < w.length; i++) {
            w[i] = t[i] / 1000f;
        }
        return w;
    }
}
