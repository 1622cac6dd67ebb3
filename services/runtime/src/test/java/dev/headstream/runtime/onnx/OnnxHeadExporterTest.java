package dev.headstream.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.headstream.core.head.Adam;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.HeadLayer;
import dev.headstream.core.head.HeadTrainer;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.OptimizerState;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.head.TrainingConfig;
import dev.headstream.schemas.onnx.Onnx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export parity: adapted heads exported to ONNX and re-loaded in ONNX Runtime score like the Java
 * head; the unadapted source exports to its own base network; re-import is bit-identical.
 */
class OnnxHeadExporterTest {

    private static final int WINDOWS = 300;
    private static final double TOLERANCE = 1e-5;
    private static final String JARVIS = "hey_jarvis_v0.1.onnx";
    private static final String ALEXA = "alexa_v0.1.onnx";

    @Test
    void adaptedHeyJarvisTopLayerExportScoresLikeTheJavaHeadInOnnxRuntime() throws Exception {
        assertAdaptedExportParity(JARVIS, 1);
    }

    @Test
    void adaptedHeyJarvisAllLayersExportScoresLikeTheJavaHeadInOnnxRuntime() throws Exception {
        SourceHead source = OnnxHeadImporter.importHead(HeadModels.path(JARVIS));
        assertThat(source.architecture().parameterisedLayerCount()).isEqualTo(5);
        assertAdaptedExportParity(JARVIS, 5);
    }

    @Test
    void adaptedAlexaExportWithoutLayerNormScoresLikeTheJavaHeadInOnnxRuntime() throws Exception {
        SourceHead source = OnnxHeadImporter.importHead(HeadModels.path(ALEXA));
        assertThat(source.architecture().layers()).noneMatch(l -> l instanceof HeadLayer.LayerNorm);
        assertAdaptedExportParity(ALEXA, source.architecture().parameterisedLayerCount());
    }

    @Test
    void unadaptedHeyJarvisExportReproducesTheOriginalBaseBranch() throws Exception {
        byte[] original = HeadModels.bytes(JARVIS);
        SourceHead source = OnnxHeadImporter.importHead(HeadModels.path(JARVIS));
        byte[] exported = OnnxHeadExporter.export(
                source.architecture(),
                source.parameters(),
                OnnxHeadExporter.ModelInterface.of(original),
                metadata(source, 0, 0.5f));
        float[][] windows = EmbeddingLikeWindows.generate(source, WINDOWS, 42);

        double maxDiff = 0;
        try (OrtHead base = new OrtHead(OnnxHeadGraphs.truncateAtFirstSigmoid(original));
                OrtHead export = new OrtHead(exported)) {
            for (float[] w : windows) {
                maxDiff = Math.max(maxDiff, Math.abs(base.score(w) - export.score(w)));
            }
        }
        System.out.printf("hey_jarvis unadapted export vs original base branch (ORT): max |diff| %.3g%n", maxDiff);
        assertThat(maxDiff).isLessThan(TOLERANCE);
    }

    @Test
    void exportKeepsTheSourceModelsInterface() throws Exception {
        SourceHead source = OnnxHeadImporter.importHead(HeadModels.path(JARVIS));
        byte[] exported = OnnxHeadExporter.export(
                source.architecture(),
                source.parameters(),
                OnnxHeadExporter.ModelInterface.of(HeadModels.bytes(JARVIS)),
                metadata(source, 1, 0.5f));

        Onnx.ModelProto model = Onnx.ModelProto.parseFrom(exported);
        assertThat(model.getOpsetImport(0).getVersion()).isEqualTo(13);
        assertThat(model.getGraph().getNodeList())
                .extracting(Onnx.NodeProto::getOpType)
                .doesNotContain("If", "LayerNormalization")
                .contains("Flatten", "Gemm", "ReduceMean", "Sigmoid");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(exported, new OrtSession.SessionOptions())) {
            Map<String, NodeInfo> in = s.getInputInfo();
            Map<String, NodeInfo> out = s.getOutputInfo();
            assertThat(in).containsOnlyKeys("x.1");
            assertThat(((TensorInfo) in.get("x.1").getInfo()).getShape()).containsExactly(1, 16, 96);
            assertThat(out).hasSize(1);
            assertThat(((TensorInfo) out.values().iterator().next().getInfo()).getShape())
                    .containsExactly(1, 1);
        }
    }

    @Test
    void reimportingAnAdaptedExportGivesBitIdenticalParameters() throws Exception {
        for (String file : List.of(JARVIS, ALEXA)) {
            SourceHead source = OnnxHeadImporter.importHead(HeadModels.path(file));
            MlpHead head =
                    new MlpHead(source.architecture(), source.architecture().parameterisedLayerCount());
            float[] tail = adapt(source, head);
            float[] expected = source.parameters();
            System.arraycopy(tail, 0, expected, head.trainableOffset(), tail.length);

            byte[] exported = OnnxHeadExporter.export(
                    head,
                    source.parameters(),
                    tail,
                    OnnxHeadExporter.ModelInterface.of(HeadModels.bytes(file)),
                    metadata(source, 3, 0.7f));
            SourceHead back = OnnxHeadImporter.importHead("round-trip", exported);

            assertThat(back.architecture()).isEqualTo(source.architecture());
            assertThat(back.parameters()).as(file).containsExactly(expected);
        }
    }

    @Test
    void metadataPropsCarryTheProvenanceAndThreshold(@TempDir Path dir) throws Exception {
        SourceHead source = OnnxHeadImporter.importHead(HeadModels.path(JARVIS));
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("samples_applied", "24");
        extra.put("trainable_top_layers", "5");
        OnnxHeadExporter.Metadata meta = new OnnxHeadExporter.Metadata(
                "acme/alice/wake", 7, source.id(), source.sha256(), "ab".repeat(32), 0.8125f, extra);
        Path file = dir.resolve("alice.onnx");
        OnnxHeadExporter.exportTo(
                file,
                source.architecture(),
                source.parameters(),
                OnnxHeadExporter.ModelInterface.of(HeadModels.bytes(JARVIS)),
                meta);

        Onnx.ModelProto model = Onnx.ModelProto.parseFrom(Files.readAllBytes(file));
        Map<String, String> props = new LinkedHashMap<>();
        model.getMetadataPropsList().forEach(e -> props.put(e.getKey(), e.getValue()));
        assertThat(props)
                .containsExactly(
                        Map.entry("headstream.head_id", "acme/alice/wake"),
                        Map.entry("headstream.version", "7"),
                        Map.entry("headstream.source_head_id", "hey_jarvis_v0.1"),
                        Map.entry("headstream.source_head_sha256", source.sha256()),
                        Map.entry("headstream.backbone_sha256", "ab".repeat(32)),
                        Map.entry("headstream.threshold", "0.8125"),
                        Map.entry("headstream.samples_applied", "24"),
                        Map.entry("headstream.trainable_top_layers", "5"));
        assertThat(model.getModelVersion()).isEqualTo(7);
        assertThat(model.getDocString()).contains("acme/alice/wake v7", source.sha256(), "score >= 0.8125");
        try (OrtSession s =
                OrtEnvironment.getEnvironment().createSession(file.toString(), new OrtSession.SessionOptions())) {
            assertThat(s.getMetadata().getCustomMetadata()).containsAllEntriesOf(props);
        }
    }

    @Test
    void defaultInterfaceIsAnInputOfOneWakeWordWindow() {
        HeadArchitecture arch =
                HeadArchitecture.builder(16 * 96).dense(4).relu().dense(1).build();
        OnnxHeadExporter.ModelInterface io = OnnxHeadExporter.ModelInterface.defaultFor(arch);
        assertThat(io.inputName()).isEqualTo("input");
        assertThat(io.inputShape()).containsExactly(1, 16, 96);
    }

    @Test
    void rejectsParametersThatDoNotFitTheArchitecture() {
        HeadArchitecture arch =
                HeadArchitecture.builder(16 * 96).dense(4).relu().dense(1).build();
        OnnxHeadExporter.ModelInterface io = OnnxHeadExporter.ModelInterface.defaultFor(arch);
        OnnxHeadExporter.Metadata meta = new OnnxHeadExporter.Metadata("t/u/w", 1, "src", "0".repeat(64), "", 0.5f);
        assertThatThrownBy(() -> OnnxHeadExporter.export(arch, new float[3], io, meta))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parameters must have length");
        float[] params = new float[arch.parameterCount()];
        params[2] = Float.NaN;
        assertThatThrownBy(() -> OnnxHeadExporter.export(arch, params, io, meta))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parameter 2 is not finite");
        OnnxHeadExporter.ModelInterface wrong = new OnnxHeadExporter.ModelInterface("x", new long[] {1, 15, 96}, "y");
        assertThatThrownBy(() -> OnnxHeadExporter.export(arch, new float[arch.parameterCount()], wrong, meta))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the head reads 1536");
    }

    private static void assertAdaptedExportParity(String file, int k) throws Exception {
        SourceHead source = OnnxHeadImporter.importHead(HeadModels.path(file));
        MlpHead head = new MlpHead(source.architecture(), k);
        float[] sourceParams = source.parameters();
        float[] tail = adapt(source, head);
        byte[] exported = OnnxHeadExporter.export(
                head,
                sourceParams,
                tail,
                OnnxHeadExporter.ModelInterface.of(HeadModels.bytes(file)),
                metadata(source, 2, 0.6f));
        float[][] windows = EmbeddingLikeWindows.generate(source, WINDOWS, 42);

        MlpHead.Workspace ws = head.newWorkspace();
        double maxDiff = 0;
        double maxShift = 0;
        int mid = 0;
        try (OrtHead ort = new OrtHead(exported)) {
            for (float[] w : windows) {
                float java = head.score(sourceParams, tail, w, 0, ws);
                maxDiff = Math.max(maxDiff, Math.abs(java - ort.score(w)));
                maxShift = Math.max(maxShift, Math.abs(java - head.sourceScore(sourceParams, w, 0, ws)));
                if (java > 0.05f && java < 0.95f) {
                    mid++;
                }
            }
        }
        System.out.printf(
                "%s adapted top-%d export: %d windows (%d scored in (0.05, 0.95)), "
                        + "max |java - onnxruntime| = %.3g, max |adapted - source| = %.3f%n",
                source.id(), k, windows.length, mid, maxDiff, maxShift);
        assertThat(maxShift).as("adaptation changed the scores").isGreaterThan(0.05);
        assertThat(mid).isGreaterThanOrEqualTo(20);
        assertThat(maxDiff).isLessThan(TOLERANCE);
    }

    /**
     * Trains {@code head}'s tail as the engine would (Adam, L2-SP toward the source, small
     * mini-batches) on deterministic pseudo-random labelled windows; returns the adapted tail.
     */
    private static float[] adapt(SourceHead source, MlpHead head) {
        float[] params = source.parameters();
        float[] tail = head.initialTrainable(params);
        HeadTrainer trainer =
                new HeadTrainer(head, TrainingConfig.of(Adam.of(1e-3f)).withL2Sp(1e-2f));
        OptimizerState state = trainer.newOptimizerState();
        float[][] windows = EmbeddingLikeWindows.generate(source, 48, 11);
        SplittableRandom random = new SplittableRandom(99);
        for (int step = 0; step < 30; step++) {
            for (int b = 0; b < 4; b++) {
                float[] w = windows[random.nextInt(windows.length)];
                trainer.accumulate(params, tail, w, 0, random.nextBoolean() ? 1f : 0f, 1f);
            }
            trainer.step(params, tail, state);
        }
        return tail;
    }

    private static OnnxHeadExporter.Metadata metadata(SourceHead source, long version, float threshold) {
        return new OnnxHeadExporter.Metadata(
                "test/user/" + source.id(), version, source.id(), source.sha256(), "", threshold);
    }
}
