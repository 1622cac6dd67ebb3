package dev.headstream.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.headstream.core.adapt.state.ClassHeadState;
import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.adapt.task.ClassRecipe;
import dev.headstream.core.detect.ClassHeadScorer;
import dev.headstream.core.embed.BackboneInfo;
import dev.headstream.core.embed.ClipPooling;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.embed.MeanStdPooling;
import dev.headstream.core.head.HeadOutput;
import dev.headstream.core.head.InputTransform;
import dev.headstream.core.head.TaskArchitecture;
import dev.headstream.core.head.TaskHead;
import dev.headstream.core.ingest.Label;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.core.wire.OutputMessages;
import dev.headstream.schemas.onnx.Onnx;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Class head export parity: a multi-class or multi-label head exported to ONNX and run in ONNX
 * Runtime on a batch of pooled inputs gives {@link TaskHead}'s probabilities, for a head trained
 * through {@link ClassHeadTask} and for one with random parameters.
 */
class OnnxClassHeadExportTest {

    private static final int DIM = 96;
    private static final int ROWS = 64;
    private static final double TOLERANCE = 1e-5;
    private static final List<String> CLASSES = List.of("ann", "bob", "cat", "dan");
    private static final List<String> TRAITS = List.of("loud", "high", "never");

    @Test
    void aTrainedMultiClassHeadScoresInOnnxRuntimeAsInJava() throws Exception {
        ClassHeadTask task =
                new ClassHeadTask("who", ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, CLASSES, 11), DIM);
        float[] p = trained(task, c -> new Label.ClassIndex(c % CLASSES.size()));
        assertParity(task.architecture(), p, CLASSES, 1, "trained multi-class");
    }

    @Test
    void aTrainedMultiLabelHeadScoresInOnnxRuntimeAsInJava() throws Exception {
        ClassHeadTask task =
                new ClassHeadTask("traits", ClassRecipe.defaults(TaskKind.Type.MULTI_LABEL, TRAITS, 5), DIM);
        float[] p = trained(
                task,
                c -> new Label.MultiHot(new float[] {c % 2, (c / 2) % 2, 0}, new boolean[] {true, c % 3 != 0, false}));
        assertParity(task.architecture(), p, TRAITS, 2, "trained multi-label");
    }

    @Test
    void randomHeadsOfBothKindsScoreInOnnxRuntimeAsInJava() throws Exception {
        for (boolean multiClass : new boolean[] {true, false}) {
            List<String> labels = multiClass ? CLASSES : TRAITS;
            TaskArchitecture a = TaskArchitecture.builder(2 * DIM)
                    .layerNorm(1e-5f)
                    .dense(32)
                    .relu()
                    .dense(labels.size())
                    .build(multiClass ? HeadOutput.softmax(labels.size()) : HeadOutput.multiLabel(labels.size()));
            SplittableRandom random = new SplittableRandom(multiClass ? 21 : 22);
            float[] p = new float[a.parameterCount()];
            for (int i = 0; i < p.length; i++) {
                p[i] = (float) (random.nextGaussian() * 0.3);
            }
            assertParity(a, p, labels, 3, multiClass ? "random multi-class" : "random multi-label");
        }
    }

    @Test
    void aLinearHeadWithoutAHiddenLayerScoresInOnnxRuntimeAsInJava() throws Exception {
        ClassHeadTask task = new ClassHeadTask(
                "who",
                ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, CLASSES, 11).withHidden(0),
                DIM);
        assertThat(task.architecture().layers()).hasSize(2);
        float[] p = trained(task, c -> new Label.ClassIndex(c % CLASSES.size()));
        assertParity(task.architecture(), p, CLASSES, 4, "trained linear multi-class");
    }

    @Test
    void aPublishedHeadExportedScoresPooledClipsAsTheConsumersScorer() throws Exception {
        ClassHeadTask task =
                new ClassHeadTask("who", ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, CLASSES, 11), DIM);
        ClassHeadState s = task.newState("acme/ann/who");
        float[] p = trained(task, c -> new Label.ClassIndex(c % CLASSES.size()));
        System.arraycopy(p, 0, s.liveParameters(), 0, p.length);
        HeadCodec.DecodedClass d = HeadCodec.decodeClass(OutputMessages.classHeadUpdate(
                task,
                UserKey.parse("acme/ann"),
                "who",
                s,
                new BackboneInfo("oww", "ab".repeat(32), DIM, "cpu"),
                1_700_000_000_000L));
        ClassHeadScorer scorer = d.scorer();
        byte[] bytes =
                OnnxHeadExporter.exportClass(d.architecture(), d.parameters(), d.labels(), d.pooling(), meta(task));
        SplittableRandom random = new SplittableRandom(31);
        int clips = 12;
        float[] pooled = new float[clips * 2 * DIM];
        EmbeddingSequence[] sequences = new EmbeddingSequence[clips];
        for (int i = 0; i < clips; i++) {
            float[] v = new float[(1 + i) * DIM];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) ((j % DIM % 4 == i % 4 ? 3 : -1) + random.nextGaussian());
            }
            sequences[i] = new EmbeddingSequence(1 + i, DIM, v);
            MeanStdPooling.pool(sequences[i], pooled, i * 2 * DIM);
        }

        double maxDiff = 0;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(bytes, new OrtSession.SessionOptions());
                OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(pooled), new long[] {clips, 2 * DIM});
                OrtSession.Result r = session.run(Map.of(OnnxHeadExporter.CLASS_INPUT, x))) {
            float[][] ort = (float[][]) r.get(0).getValue();
            for (int i = 0; i < clips; i++) {
                float[] java = scorer.probabilities(sequences[i]);
                for (int o = 0; o < java.length; o++) {
                    maxDiff = Math.max(maxDiff, Math.abs(java[o] - ort[i][o]));
                }
                assertThat(scorer.top(sequences[i]).index()).isEqualTo(argmax(ort[i]));
            }
        }
        System.out.printf("published class head, %d clips: max |scorer - onnxruntime| = %.3g%n", clips, maxDiff);
        assertThat(maxDiff).isLessThan(TOLERANCE);
    }

    @Test
    void aHeadThroughAFrozenInputTransformExportsItAsItsFirstGemmAndScoresAsTheConsumersScorer() throws Exception {
        int width = 2 * DIM;
        SplittableRandom draw = new SplittableRandom(41);
        float[] w = new float[width * width];
        float[] b = new float[width];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (draw.nextGaussian() / Math.sqrt(width));
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) draw.nextGaussian();
        }
        InputTransform transform =
                InputTransform.of(ClipPooling.MEAN_STD, width, width, w, b, "random transform for the export test");
        ClassRecipe recipe = ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, CLASSES, 11)
                .withInputTransform(java.util.Optional.of(java.nio.file.Path.of("random.hsit")));
        ClassHeadTask task = new ClassHeadTask("who", recipe, DIM, transform);
        ClassHeadState s = task.newState("acme/ann/who");
        float[] tail = trained(task, c -> new Label.ClassIndex(c % CLASSES.size()));
        System.arraycopy(tail, 0, s.liveParameters(), 0, tail.length);
        HeadCodec.DecodedClass d = HeadCodec.decodeClass(OutputMessages.classHeadUpdate(
                task,
                UserKey.parse("acme/ann"),
                "who",
                s,
                new BackboneInfo("oww", "ab".repeat(32), DIM, "cpu"),
                1_700_000_000_000L));
        byte[] bytes =
                OnnxHeadExporter.exportClass(d.architecture(), d.parameters(), d.labels(), d.pooling(), meta(task));
        Onnx.ModelProto model = Onnx.ModelProto.parseFrom(bytes);
        assertThat(model.getGraph().getNodeList())
                .extracting(Onnx.NodeProto::getOpType)
                .startsWith("Gemm", "ReduceMean");
        Onnx.TensorProto first = model.getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals("layers.0.weight"))
                .findFirst()
                .orElseThrow();
        float[] exported = new float[w.length];
        first.getRawData()
                .asReadOnlyByteBuffer()
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get(exported);
        assertThat(exported).isEqualTo(w);
        ClassHeadScorer scorer = d.scorer();
        SplittableRandom random = new SplittableRandom(32);
        int clips = 12;
        float[] pooled = new float[clips * width];
        EmbeddingSequence[] sequences = new EmbeddingSequence[clips];
        for (int i = 0; i < clips; i++) {
            float[] v = new float[(1 + i) * DIM];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) ((j % DIM % 4 == i % 4 ? 3 : -1) + random.nextGaussian());
            }
            sequences[i] = new EmbeddingSequence(1 + i, DIM, v);
            MeanStdPooling.pool(sequences[i], pooled, i * width);
        }
        double maxDiff = 0;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(bytes, new OrtSession.SessionOptions());
                OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(pooled), new long[] {clips, width});
                OrtSession.Result r = session.run(Map.of(OnnxHeadExporter.CLASS_INPUT, x))) {
            float[][] ort = (float[][]) r.get(0).getValue();
            for (int i = 0; i < clips; i++) {
                float[] java = scorer.probabilities(sequences[i]);
                assertThat(java).containsExactly(task.probabilities(s.liveParameters(), sequences[i]));
                for (int o = 0; o < java.length; o++) {
                    maxDiff = Math.max(maxDiff, Math.abs(java[o] - ort[i][o]));
                }
            }
        }
        System.out.printf(
                "head through an input transform, %d clips: max |scorer - onnxruntime| = %.3g%n", clips, maxDiff);
        assertThat(maxDiff).isLessThan(TOLERANCE);
    }

    @Test
    void theModelSaysItsInterfaceAndProvenanceAndHasNoThreshold() throws Exception {
        ClassHeadTask task =
                new ClassHeadTask("who", ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, CLASSES, 11), DIM);
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("samples_applied", "12");
        byte[] bytes = OnnxHeadExporter.exportClass(
                task.architecture(),
                task.startParameters(),
                CLASSES,
                MeanStdPooling.NAME,
                new OnnxHeadExporter.ClassMetadata(
                        "acme/ann/who", 9, task.startId(), task.startSha256(), "ab".repeat(32), extra));

        Onnx.ModelProto model = Onnx.ModelProto.parseFrom(bytes);
        assertThat(model.getOpsetImport(0).getVersion()).isEqualTo(OnnxHeadExporter.OPSET);
        assertThat(model.getIrVersion()).isEqualTo(OnnxHeadExporter.IR_VERSION);
        assertThat(model.getModelVersion()).isEqualTo(9);
        assertThat(model.getGraph().getNodeList())
                .extracting(Onnx.NodeProto::getOpType)
                .doesNotContain("LayerNormalization", "Flatten", "Sigmoid")
                .startsWith("ReduceMean")
                .endsWith("Gemm", "Relu", "Gemm", "Softmax");
        assertThat(model.getGraph().getInitializerList())
                .extracting(Onnx.TensorProto::getName)
                .contains("layers.0.gamma", "layers.0.beta", "layers.1.weight", "layers.3.bias");
        Map<String, String> props = new LinkedHashMap<>();
        model.getMetadataPropsList().forEach(e -> props.put(e.getKey(), e.getValue()));
        assertThat(props)
                .containsExactly(
                        Map.entry("headstream.head_id", "acme/ann/who"),
                        Map.entry("headstream.version", "9"),
                        Map.entry("headstream.source_head_id", "fresh:11"),
                        Map.entry("headstream.source_head_sha256", task.startSha256()),
                        Map.entry("headstream.backbone_sha256", "ab".repeat(32)),
                        Map.entry("headstream.output", "softmax"),
                        Map.entry("headstream.output_labels", "ann,bob,cat,dan"),
                        Map.entry("headstream.pooling", "mean-std"),
                        Map.entry("headstream.samples_applied", "12"));
        assertThat(model.getDocString())
                .contains("acme/ann/who v9", "multi-class over ann, bob, cat, dan", "mean-std pooled")
                .doesNotContain("threshold");

        try (OrtSession s = OrtEnvironment.getEnvironment().createSession(bytes, new OrtSession.SessionOptions())) {
            Map<String, NodeInfo> in = s.getInputInfo();
            Map<String, NodeInfo> out = s.getOutputInfo();
            assertThat(in).containsOnlyKeys(OnnxHeadExporter.CLASS_INPUT);
            assertThat(((TensorInfo) in.get("pooled").getInfo()).getShape()).containsExactly(-1, 2 * DIM);
            assertThat(out).containsOnlyKeys(OnnxHeadExporter.CLASS_OUTPUT);
            assertThat(((TensorInfo) out.get("probabilities").getInfo()).getShape())
                    .containsExactly(-1, CLASSES.size());
            assertThat(s.getMetadata().getCustomMetadata()).containsAllEntriesOf(props);
        }
    }

    @Test
    void aMultiLabelModelEndsInOneSigmoidPerOutput() throws Exception {
        ClassHeadTask task =
                new ClassHeadTask("traits", ClassRecipe.defaults(TaskKind.Type.MULTI_LABEL, TRAITS, 5), DIM);
        byte[] bytes = OnnxHeadExporter.exportClass(
                task.architecture(), task.startParameters(), TRAITS, MeanStdPooling.NAME, meta(task));

        Onnx.ModelProto model = Onnx.ModelProto.parseFrom(bytes);
        assertThat(model.getGraph().getNodeList())
                .extracting(Onnx.NodeProto::getOpType)
                .endsWith("Gemm", "Sigmoid")
                .doesNotContain("Softmax");
        assertThat(model.getMetadataPropsList())
                .anySatisfy(e -> {
                    assertThat(e.getKey()).isEqualTo("headstream.output");
                    assertThat(e.getValue()).isEqualTo("multi-label");
                })
                .noneSatisfy(e -> assertThat(e.getKey()).isEqualTo("headstream.threshold"));
    }

    @Test
    void refusesWhatIsNotAClassHeadOrCannotBeNamed() {
        // a configuration cannot name an output with a comma (ClassRecipe refuses it), but a forged
        // head record can: the export still refuses it, as output_labels is comma-separated
        ClassHeadTask task =
                new ClassHeadTask("who", ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, List.of("ab", "c"), 11), DIM);
        float[] p = task.startParameters();
        assertThatThrownBy(() -> OnnxHeadExporter.exportClass(
                        task.architecture(), p, List.of("a,b", "c"), MeanStdPooling.NAME, meta(task)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("output label 'a,b'");
        assertThatThrownBy(() -> OnnxHeadExporter.exportClass(
                        task.architecture(), p, List.of("a"), MeanStdPooling.NAME, meta(task)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("class head names 1 outputs but has 2");
        assertThatThrownBy(() -> OnnxHeadExporter.exportClass(
                        task.architecture(), new float[3], List.of("a", "c"), MeanStdPooling.NAME, meta(task)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parameters must have length");
        TaskArchitecture binary =
                TaskArchitecture.builder(8).dense(4).relu().dense(1).build(HeadOutput.binary());
        assertThatThrownBy(() -> OnnxHeadExporter.exportClass(
                        binary, new float[binary.parameterCount()], List.of("x"), "mean-std", meta(task)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("softmax or multi-label");
        // a pooling this build does not know, or one whose width is not the head's input
        assertThatThrownBy(() ->
                        OnnxHeadExporter.exportClass(task.architecture(), p, List.of("ab", "c"), "mfcc", meta(task)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no pooling 'mfcc'");
        assertThatThrownBy(() -> OnnxHeadExporter.exportClass(
                        task.architecture(), p, List.of("ab", "c"), "mel-cepstrum", meta(task)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a head reading mel-cepstrum takes 76 values, not " + 2 * DIM);
        Map<String, String> threshold = Map.of("threshold", "0.5");
        assertThatThrownBy(() -> OnnxHeadExporter.exportClass(
                        task.architecture(),
                        p,
                        List.of("a", "c"),
                        MeanStdPooling.NAME,
                        new OnnxHeadExporter.ClassMetadata("t/u/w", 1, "fresh:1", "0".repeat(64), "", threshold)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'threshold' is reserved");
    }

    @Test
    void theWakeWordImporterRefusesAClassHeadModel() throws Exception {
        ClassHeadTask who = new ClassHeadTask("who", ClassRecipe.defaults(TaskKind.Type.MULTI_CLASS, CLASSES, 11), DIM);
        byte[] multiClass = OnnxHeadExporter.exportClass(
                who.architecture(), who.startParameters(), CLASSES, MeanStdPooling.NAME, meta(who));
        ClassHeadTask traits =
                new ClassHeadTask("traits", ClassRecipe.defaults(TaskKind.Type.MULTI_LABEL, TRAITS, 5), DIM);
        byte[] multiLabel = OnnxHeadExporter.exportClass(
                traits.architecture(), traits.startParameters(), TRAITS, MeanStdPooling.NAME, meta(traits));

        assertThatThrownBy(() -> OnnxHeadImporter.importHead("who", multiClass))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("head 'who' is an exported class head (softmax)");
        assertThatThrownBy(() -> OnnxHeadImporter.importHead("traits", multiLabel))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("head 'traits' is an exported class head (multi-label)");
        // without its metadata, the graph itself is refused (its Softmax is not a wake-word head's score)
        Onnx.ModelProto bare = Onnx.ModelProto.parseFrom(multiClass).toBuilder()
                .clearMetadataProps()
                .build();
        assertThatThrownBy(() -> OnnxHeadImporter.importHead("who", bare.toByteArray()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Unsupported node 'probabilities' (op Softmax)");
    }

    /** Exports {@code p}, runs it on {@link #ROWS} random pooled vectors in one batch, compares with Java. */
    private static void assertParity(TaskArchitecture a, float[] p, List<String> labels, long seed, String what)
            throws OrtException {
        byte[] bytes = OnnxHeadExporter.exportClass(
                a,
                p,
                labels,
                MeanStdPooling.NAME,
                new OnnxHeadExporter.ClassMetadata("t/u/" + seed, 1, "fresh:" + seed, "0".repeat(64), "", Map.of()));
        int in = a.inputDim();
        int k = labels.size();
        float[] pooled = pooledInputs(in, seed);
        TaskHead head = new TaskHead(a, a.parameterisedLayerCount());
        TaskHead.Workspace ws = head.newWorkspace();
        float[] java = new float[k];
        double maxDiff = 0;
        float lowest = 1;
        float highest = 0;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            try (OrtSession s = env.createSession(bytes, options);
                    OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(pooled), new long[] {ROWS, in});
                    OrtSession.Result r = s.run(Map.of(OnnxHeadExporter.CLASS_INPUT, x))) {
                float[][] ort = (float[][])
                        r.get(OnnxHeadExporter.CLASS_OUTPUT).orElseThrow().getValue();
                assertThat(ort).hasNumberOfRows(ROWS);
                for (int row = 0; row < ROWS; row++) {
                    head.probabilities(p, p, pooled, row * in, ws, java);
                    assertThat(ort[row]).hasSize(k);
                    for (int o = 0; o < k; o++) {
                        maxDiff = Math.max(maxDiff, Math.abs(java[o] - ort[row][o]));
                        lowest = Math.min(lowest, java[o]);
                        highest = Math.max(highest, java[o]);
                    }
                }
            }
        }
        System.out.printf(
                "%s class head export: %d rows x %d outputs, probabilities in [%.3g, %.3g],"
                        + " max |java - onnxruntime| = %.3g%n",
                what, ROWS, k, lowest, highest, maxDiff);
        assertThat(highest - lowest).as("the head separates its inputs").isGreaterThan(0.05f);
        assertThat(maxDiff).isLessThan(TOLERANCE);
    }

    /** Trains a head through {@code task} on clips around a centre per label index; returns its parameters. */
    private static float[] trained(ClassHeadTask task, IntFunction<Label> label) {
        ClassHeadState s = task.newState("acme/ann/" + task.name());
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 16; i++) {
            int c = i % 4;
            float[] v = new float[(2 + i % 5) * DIM];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) ((j % DIM % 4 == c ? 3 : -1) + random.nextGaussian());
            }
            task.apply(s, new EmbeddingSequence(v.length / DIM, DIM, v), label.apply(c), 1f, Split.TRAIN);
        }
        return s.liveParameters().clone();
    }

    /** {@link #ROWS} vectors like mean-std pooled embeddings: means around a per-dimension offset, then spreads. */
    private static float[] pooledInputs(int width, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[ROWS * width];
        int dim = width / 2;
        for (int row = 0; row < ROWS; row++) {
            for (int d = 0; d < dim; d++) {
                v[row * width + d] = (float) ((d % 4 == row % 4 ? 3 : -1) + 2 * random.nextGaussian());
                v[row * width + dim + d] = (float) Math.abs(1 + random.nextGaussian());
            }
        }
        return v;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static OnnxHeadExporter.ClassMetadata meta(ClassHeadTask task) {
        return new OnnxHeadExporter.ClassMetadata("t/u/w", 1, task.startId(), task.startSha256(), "", Map.of());
    }
}
