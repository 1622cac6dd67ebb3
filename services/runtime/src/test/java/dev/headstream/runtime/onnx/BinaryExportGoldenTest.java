package dev.headstream.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A binary (wake-word) head exports to the same bytes as before class heads could be exported:
 * the SHA-256 of two exports, recorded from the exporter at commit 0ad80fa. The bytes include the
 * producer version, {@code dev} when the classes are not in a jar (as under Maven's test run).
 */
class BinaryExportGoldenTest {

    @Test
    void anAdaptedHeyJarvisHeadExportsToTheRecordedBytes() throws Exception {
        SourceHead source = OnnxHeadImporter.importHead(HeadModels.path("hey_jarvis_v0.1.onnx"));
        MlpHead head = new MlpHead(source.architecture(), 2);
        float[] tail = head.initialTrainable(source.parameters());
        for (int i = 0; i < tail.length; i++) {
            tail[i] += (i % 7 - 3) * 1e-3f;
        }
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("status", "HEAD_STATUS_ACTIVE");
        extra.put("samples_applied", "17");
        byte[] model = OnnxHeadExporter.export(
                head,
                source.parameters(),
                tail,
                OnnxHeadExporter.ModelInterface.of(HeadModels.bytes("hey_jarvis_v0.1.onnx")),
                new OnnxHeadExporter.Metadata(
                        "acme/alice/wake", 4, source.id(), source.sha256(), "cd".repeat(32), 0.625f, extra));

        assertThat(sha256(model)).isEqualTo("251acc4ab2d273020614ac55a1a76993cbc950c2103f155642960ee9fd811bf0");
    }

    @Test
    void aSmallHeadWithTheDefaultInterfaceExportsToTheRecordedBytes() {
        HeadArchitecture a = HeadArchitecture.builder(12)
                .dense(8)
                .layerNorm(1e-5f)
                .relu()
                .dense(4)
                .relu()
                .dense(1)
                .build();
        float[] p = new float[a.parameterCount()];
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) random.nextGaussian();
        }
        byte[] model = OnnxHeadExporter.export(
                a,
                p,
                OnnxHeadExporter.ModelInterface.defaultFor(a),
                new OnnxHeadExporter.Metadata("t/u/w", 1, "src", "0".repeat(64), "", 0.5f));

        assertThat(sha256(model)).isEqualTo("8b570c76005655f66f6a3659a33fccb5971a0cee997f29f10542237096688546");
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
