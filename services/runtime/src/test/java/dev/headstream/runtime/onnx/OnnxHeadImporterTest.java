package dev.headstream.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.schemas.onnx.Onnx;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class OnnxHeadImporterTest {

    @Test
    void importsHeyJarvisBaseBranchAsDenseLayerNormReluMlp() throws Exception {
        byte[] bytes = HeadModels.bytes("hey_jarvis_v0.1.onnx");
        SourceHead head = OnnxHeadImporter.importHead(HeadModels.path("hey_jarvis_v0.1.onnx"));

        assertThat(head.id()).isEqualTo("hey_jarvis_v0.1");
        assertThat(head.sha256())
                .isEqualTo(HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        assertThat(head.architecture())
                .isEqualTo(HeadArchitecture.builder(1536)
                        .dense(128)
                        .layerNorm(1e-5f)
                        .relu()
                        .dense(128)
                        .layerNorm(1e-5f)
                        .relu()
                        .dense(1)
                        .build());
        assertThat(head.architecture().parameterCount()).isEqualTo(213_889);
        Onnx.GraphProto g = Onnx.ModelProto.parseFrom(bytes).getGraph();
        float[] params = head.parameters();
        assertThat(params[0]).isEqualTo(initializer(g, "model.1.weight")[0]);
        assertThat(params[head.architecture().parameterOffset(1)]).isEqualTo(initializer(g, "model.2.weight")[0]);
        assertThat(params[params.length - 1]).isEqualTo(initializer(g, "model.7.bias")[0]);
    }

    @Test
    void importsAlexaAsPlainMlpWithoutLayerNorm() throws Exception {
        SourceHead head = OnnxHeadImporter.importHead(HeadModels.path("alexa_v0.1.onnx"));

        assertThat(head.id()).isEqualTo("alexa_v0.1");
        assertThat(head.architecture())
                .isEqualTo(HeadArchitecture.builder(1536)
                        .dense(128)
                        .relu()
                        .dense(128)
                        .relu()
                        .dense(1)
                        .build());
        assertThat(head.architecture().parameterisedLayerCount()).isEqualTo(3);
    }

    @Test
    void rejectsAnUnsupportedOpWithAnExactMessage() {
        byte[] model = alexaWith(g -> g.setNode(2, g.getNode(2).toBuilder().setOpType("Tanh")));

        assertThatThrownBy(() -> OnnxHeadImporter.importHead("bad", model))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unsupported node 'Relu_2' (op Tanh): only Flatten, Gemm, LayerNorm (ReduceMean/Sub/Pow/"
                        + "ReduceMean/Add/Sqrt/Div/Mul/Add), Relu and Sigmoid are supported in a head graph");
    }

    @Test
    void rejectsGemmWithTransposedInputWithAnExactMessage() {
        byte[] model = alexaWith(g -> g.setNode(1, g.getNode(1).toBuilder().addAttribute(intAttribute("transA", 1))));

        assertThatThrownBy(() -> OnnxHeadImporter.importHead("bad", model))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unsupported node 'Gemm_1' (op Gemm): transA=1 is not supported");
    }

    @Test
    void rejectsGemmWithAnUnknownAttributeWithAnExactMessage() {
        byte[] model = alexaWith(g -> g.setNode(3, g.getNode(3).toBuilder().addAttribute(intAttribute("foo", 1))));

        assertThatThrownBy(() -> OnnxHeadImporter.importHead("bad", model))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unsupported node 'Gemm_3' (op Gemm): attribute 'foo' is not supported");
    }

    @Test
    void rejectsALayerNormWhosePowIsNotASquare() {
        byte[] model = modelWith("hey_jarvis_v0.1.onnx", g -> {
            Onnx.NodeProto constant = g.getNode(4);
            assertThat(constant.getName()).isEqualTo("Constant_4");
            Onnx.TensorProto three = constant.getAttribute(0).getT().toBuilder()
                    .setRawData(floatBytes(3f))
                    .build();
            g.setNode(
                    4,
                    constant.toBuilder()
                            .setAttribute(
                                    0, constant.getAttribute(0).toBuilder().setT(three)));
        });

        assertThatThrownBy(() -> OnnxHeadImporter.importHead("bad", model))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unsupported node 'Pow_5' (op Pow): expected Pow(x - mean, 2) of a LayerNorm");
    }

    @Test
    void rejectsAGraphWithoutASigmoid() {
        byte[] model = alexaWith(g -> g.removeNode(6));

        assertThatThrownBy(() -> OnnxHeadImporter.importHead("bad", model))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("head graph ends at tensor 'onnx::Sigmoid_12' without reaching a Sigmoid");
    }

    @Test
    void foldsGemmAlphaAndBetaAndTransposesTransBZeroWeights() throws Exception {
        byte[] original = HeadModels.bytes("alexa_v0.1.onnx");
        byte[] rewritten = alexaWith(g -> {
            // Gemm_1: alpha 0.5 with doubled weights, beta 2 with halved bias (exact in float32).
            g.setNode(1, setFloat(setFloat(g.getNode(1), "alpha", 0.5f), "beta", 2f));
            scaleInitializer(g, "1.weight", 2f);
            scaleInitializer(g, "1.bias", 0.5f);
            // Gemm_3: transB 0 with B stored [in][out].
            g.setNode(3, setInt(g.getNode(3), "transB", 0));
            transposeInitializer(g, "3.weight");
        });

        SourceHead expected = OnnxHeadImporter.importHead("alexa", original);
        SourceHead actual = OnnxHeadImporter.importHead("alexa", rewritten);
        assertThat(actual.architecture()).isEqualTo(expected.architecture());
        assertThat(actual.parameters()).isEqualTo(expected.parameters());

        float[][] windows = EmbeddingLikeWindows.generate(actual, 30, 5);
        MlpHead mlp = new MlpHead(actual.architecture(), 0);
        MlpHead.Workspace ws = mlp.newWorkspace();
        float[] source = actual.parameters();
        try (OrtHead ort = new OrtHead(rewritten)) {
            for (float[] w : windows) {
                assertThat((double) mlp.sourceScore(source, w, 0, ws)).isCloseTo(ort.score(w), Offset.offset(1e-5));
            }
        }
    }

    @Test
    void readsInitializersStoredAsFloatData() throws Exception {
        byte[] rewritten = alexaWith(g -> {
            for (int i = 0; i < g.getInitializerCount(); i++) {
                Onnx.TensorProto t = g.getInitializer(i);
                Onnx.TensorProto.Builder b = t.toBuilder().clearRawData();
                for (float f : OnnxHeadImporter.floats(t, "initializer")) {
                    b.addFloatData(f);
                }
                g.setInitializer(i, b);
            }
        });

        assertThat(OnnxHeadImporter.importHead("alexa", rewritten).parameters())
                .isEqualTo(OnnxHeadImporter.importHead(HeadModels.path("alexa_v0.1.onnx"))
                        .parameters());
    }

    @Test
    void truncatedHeyJarvisKeepsOnlyTheBaseNetwork() throws Exception {
        Onnx.GraphProto g = Onnx.ModelProto.parseFrom(
                        OnnxHeadGraphs.truncateAtFirstSigmoid(HeadModels.bytes("hey_jarvis_v0.1.onnx")))
                .getGraph();

        assertThat(g.getOutputList()).extracting(Onnx.ValueInfoProto::getName).containsExactly("p1.1");
        assertThat(g.getNodeList()).extracting(Onnx.NodeProto::getOpType).doesNotContain("If", "GreaterOrEqual");
        assertThat(g.getNodeList()).last().extracting(Onnx.NodeProto::getName).isEqualTo("Sigmoid_28");
        assertThat(g.getInitializerList())
                .extracting(Onnx.TensorProto::getName)
                .allMatch(name -> name.startsWith("model."))
                .hasSize(10);
    }

    private static byte[] alexaWith(Consumer<Onnx.GraphProto.Builder> edit) {
        return modelWith("alexa_v0.1.onnx", edit);
    }

    private static byte[] modelWith(String file, Consumer<Onnx.GraphProto.Builder> edit) {
        try {
            Onnx.ModelProto model = Onnx.ModelProto.parseFrom(HeadModels.bytes(file));
            Onnx.GraphProto.Builder g = model.getGraph().toBuilder();
            edit.accept(g);
            return model.toBuilder().setGraph(g).build().toByteArray();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Onnx.AttributeProto intAttribute(String name, long value) {
        return Onnx.AttributeProto.newBuilder()
                .setName(name)
                .setType(Onnx.AttributeProto.AttributeType.INT)
                .setI(value)
                .build();
    }

    private static Onnx.NodeProto setFloat(Onnx.NodeProto node, String name, float value) {
        return replaceAttribute(node, name, a -> a.toBuilder().setF(value).build());
    }

    private static Onnx.NodeProto setInt(Onnx.NodeProto node, String name, long value) {
        return replaceAttribute(node, name, a -> a.toBuilder().setI(value).build());
    }

    private static Onnx.NodeProto replaceAttribute(
            Onnx.NodeProto node, String name, UnaryOperator<Onnx.AttributeProto> change) {
        Onnx.NodeProto.Builder b = node.toBuilder();
        for (int i = 0; i < b.getAttributeCount(); i++) {
            if (b.getAttribute(i).getName().equals(name)) {
                b.setAttribute(i, change.apply(b.getAttribute(i)));
                return b.build();
            }
        }
        throw new IllegalStateException(node.getName() + " has no attribute " + name);
    }

    private static void scaleInitializer(Onnx.GraphProto.Builder g, String name, float factor) {
        int i = initializerIndex(g, name);
        float[] v = OnnxHeadImporter.floats(g.getInitializer(i), "initializer");
        for (int j = 0; j < v.length; j++) {
            v[j] *= factor;
        }
        g.setInitializer(i, g.getInitializer(i).toBuilder().setRawData(floatBytes(v)));
    }

    private static void transposeInitializer(Onnx.GraphProto.Builder g, String name) {
        int i = initializerIndex(g, name);
        Onnx.TensorProto t = g.getInitializer(i);
        int rows = (int) t.getDims(0);
        int cols = (int) t.getDims(1);
        float[] v = OnnxHeadImporter.floats(t, "initializer");
        float[] tr = new float[v.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                tr[c * rows + r] = v[r * cols + c];
            }
        }
        g.setInitializer(i, t.toBuilder().setDims(0, cols).setDims(1, rows).setRawData(floatBytes(tr)));
    }

    private static int initializerIndex(Onnx.GraphProto.Builder g, String name) {
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals(name)) {
                return i;
            }
        }
        throw new IllegalStateException("no initializer " + name);
    }

    private static float[] initializer(Onnx.GraphProto g, String name) {
        for (Onnx.TensorProto t : g.getInitializerList()) {
            if (t.getName().equals(name)) {
                return OnnxHeadImporter.floats(t, "initializer");
            }
        }
        throw new IllegalStateException("no initializer " + name);
    }

    private static ByteString floatBytes(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        b.flip();
        return ByteString.copyFrom(b);
    }
}
