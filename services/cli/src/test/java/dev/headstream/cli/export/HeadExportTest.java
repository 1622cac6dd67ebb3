package dev.headstream.cli.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import dev.headstream.cli.detect.DetectorHead;
import dev.headstream.cli.detect.FixedHead;
import dev.headstream.core.adapt.state.ClassHeadState;
import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.adapt.task.ClassRecipe;
import dev.headstream.core.adapt.task.HeadRecipe;
import dev.headstream.core.adapt.task.RehearsalSet;
import dev.headstream.core.embed.BackboneInfo;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.Label;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.core.wire.OutputMessages;
import dev.headstream.runtime.onnx.OnnxHeadImporter;
import dev.headstream.runtime.onnx.SourceHeads;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.onnx.Onnx;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Provenance;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeadExportTest {

    private static final String HEAD = "acme/alice/wake";

    @Test
    void picksTheNewestVersionOfTheRequestedHead() {
        List<ConsumerRecord<byte[], byte[]>> records = List.of(
                record(0, HEAD, update(HEAD, 1)),
                record(1, "acme/bob/wake", update("acme/bob/wake", 9)),
                record(2, HEAD, update(HEAD, 2)));

        assertThat(HeadExport.newest(records, HEAD).getVersion()).isEqualTo(2);
    }

    @Test
    void failsWithTheKnownHeadIdsWhenTheHeadIsNotThere() {
        List<ConsumerRecord<byte[], byte[]>> records = List.of(record(0, "acme/bob/wake", update("acme/bob/wake", 1)));

        assertThatThrownBy(() -> HeadExport.newest(records, HEAD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "head acme/alice/wake not found on headstream.heads (1 head ids there, e.g. acme/bob/wake)");
    }

    @Test
    void failsWhenTheHeadWasErased() {
        List<ConsumerRecord<byte[], byte[]>> records = List.of(record(0, HEAD, update(HEAD, 1)), record(1, HEAD, null));

        assertThatThrownBy(() -> HeadExport.newest(records, HEAD)).hasMessageContaining("was erased");
    }

    @Test
    void skipsARecordUnderTheKeyWhosePayloadNamesAnotherHead() {
        List<ConsumerRecord<byte[], byte[]>> records = List.of(
                record(0, HEAD, update(HEAD, 2)),
                record(1, HEAD, update("acme/bob/wake", 99)),
                record(2, HEAD, update(HEAD, 3).toBuilder().setUser("bob").build()));

        HeadExport.Found found = HeadExport.find(records, HEAD);

        assertThat(found.update().getVersion()).isEqualTo(2);
        assertThat(found.skipped())
                .hasSize(2)
                .allSatisfy(line -> assertThat(line).contains("payload names head"));
    }

    @Test
    void aForgedHeadUnderAnotherKeyIsNotTheNamedHead() {
        List<ConsumerRecord<byte[], byte[]>> records =
                List.of(record(0, HEAD, update(HEAD, 2)), record(1, "acme/bob/wake", update(HEAD, Long.MAX_VALUE)));

        assertThat(HeadExport.newest(records, HEAD).getVersion()).isEqualTo(2);
        assertThatThrownBy(() -> HeadExport.newest(records, "acme/bob/wake"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is a head of that key");
    }

    @Test
    void aVersionNeverGoesBackAndATombstoneStartsTheKeyAfresh() {
        List<ConsumerRecord<byte[], byte[]>> records = List.of(
                record(0, HEAD, update(HEAD, 5)),
                record(
                        1,
                        HEAD,
                        update(HEAD, 4).toBuilder()
                                .setStatus(HeadStatus.HEAD_STATUS_RESET)
                                .build()),
                record(
                        2,
                        HEAD,
                        update(HEAD, 5).toBuilder()
                                .setStatus(HeadStatus.HEAD_STATUS_ROLLED_BACK)
                                .build()));
        assertThat(HeadExport.newest(records, HEAD).getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_ACTIVE);

        List<ConsumerRecord<byte[], byte[]>> erasedAndBack =
                List.of(record(0, HEAD, update(HEAD, 7)), record(1, HEAD, null), record(2, HEAD, update(HEAD, 1)));
        assertThat(HeadExport.newest(erasedAndBack, HEAD).getVersion()).isEqualTo(1);
    }

    @Test
    void writesTheDecodedHeadWithItsProvenance(@TempDir Path dir) throws Exception {
        Path models = Path.of(System.getProperty("headstream.models.dir"));
        SourceHead source = OnnxHeadImporter.importHead(models.resolve("hey_jarvis_v0.1.onnx"));
        int k = 2;
        MlpHead head = new MlpHead(source.architecture(), k);
        float[] tail = head.initialTrainable(source.parameters());
        for (int i = 0; i < tail.length; i++) {
            tail[i] += (i % 7 - 3) * 1e-3f;
        }
        HeadUpdate update = update(HEAD, 4).toBuilder()
                .setProvenance(Provenance.newBuilder()
                        .setSourceHeadId(source.id())
                        .setSourceHeadSha256(source.sha256())
                        .setBackboneSha256("cd".repeat(32))
                        .setSamplesApplied(17)
                        .setLastOffset(40))
                .setSpec(HeadCodec.spec(source.architecture(), k, 16, 96))
                .addAllTrainable(HeadCodec.tensors(head, tail))
                .setThreshold(0.625f)
                .build();
        Path out = dir.resolve("sub/alice.onnx");

        HeadExport.Exported e = HeadExport.export(update, models, out);

        assertThat(e.version()).isEqualTo(4);
        assertThat(e.threshold()).isEqualTo(0.625f);
        byte[] bytes = Files.readAllBytes(out);
        float[] expected = source.parameters();
        System.arraycopy(tail, 0, expected, head.trainableOffset(), tail.length);
        assertThat(OnnxHeadImporter.importHead("back", bytes).parameters()).containsExactly(expected);
        Map<String, String> props = new HashMap<>();
        Onnx.ModelProto.parseFrom(bytes).getMetadataPropsList().forEach(p -> props.put(p.getKey(), p.getValue()));
        assertThat(props)
                .containsEntry("headstream.head_id", HEAD)
                .containsEntry("headstream.version", "4")
                .containsEntry("headstream.source_head_sha256", source.sha256())
                .containsEntry("headstream.backbone_sha256", "cd".repeat(32))
                .containsEntry("headstream.threshold", "0.625")
                .containsEntry("headstream.samples_applied", "17")
                .containsEntry("headstream.trainable_top_layers", "2");

        // detect --head-file names the head and version the file says, at its threshold
        try (FixedHead fixed = new FixedHead(out, null)) {
            DetectorHead d = fixed.current().orElseThrow();
            assertThat(d.headId()).isEqualTo(HEAD);
            assertThat(d.version()).isEqualTo(4);
            assertThat(d.samplesApplied()).isEqualTo(17);
            assertThat(d.head().threshold()).isEqualTo(0.625f);
            assertThat(d.describe()).isEqualTo(HEAD + " v4 (file, threshold 0.625)");
        }
    }

    @Test
    void aBinaryHeadIsWrittenToTheSameBytesAsBeforeClassHeadsCouldBeExported(@TempDir Path dir) throws Exception {
        Path models = Path.of(System.getProperty("headstream.models.dir"));
        SourceHead source = OnnxHeadImporter.importHead(models.resolve("hey_jarvis_v0.1.onnx"));
        MlpHead head = new MlpHead(source.architecture(), 1);
        float[] tail = head.initialTrainable(source.parameters());
        for (int i = 0; i < tail.length; i++) {
            tail[i] -= (i % 5 - 2) * 1e-3f;
        }
        HeadUpdate update = update(HEAD, 9).toBuilder()
                .setProvenance(Provenance.newBuilder()
                        .setSourceHeadId(source.id())
                        .setSourceHeadSha256(source.sha256())
                        .setBackboneSha256("ef".repeat(32))
                        .setSeed(3)
                        .setSamplesApplied(21)
                        .setFirstOffset(2)
                        .setLastOffset(50)
                        .setEngine("native"))
                .setSpec(HeadCodec.spec(source.architecture(), 1, 16, 96))
                .addAllTrainable(HeadCodec.tensors(head, tail))
                .setThreshold(0.75f)
                .setStatusReason("why not")
                .setCreatedTimeMs(1_700_000_000_000L)
                .build();
        Path out = dir.resolve("alice.onnx");

        HeadExport.export(update, models, out);

        // recorded from export-head at commit 0ad80fa (producer version "dev": classes, not a jar)
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(out))))
                .isEqualTo("8898864bc8ae2abb26cbc9649051bb1f291f598255657983fd68548f87b7bfe6");
    }

    /** A fresh-start task's head of one user, trained on a few clips, as the adapter publishes it. */
    private static HeadUpdate freshStartHead(Path models) {
        SourceHead fresh =
                SourceHeads.resolve("fresh:7:hey_jarvis_v0.1", models).head();
        BinaryHeadTask task = new BinaryHeadTask("mine", fresh, HeadRecipe.wakeWordDefault(), RehearsalSet.empty());
        HeadState s = task.newState("acme/alice/mine");
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 6; i++) {
            float[] v = new float[20 * 96];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) r.nextGaussian() + (i % 2 == 0 && j % 96 < 8 ? 2f : 0f);
            }
            task.apply(s, new EmbeddingSequence(20, 96, v), i % 2 == 0, 1f, Split.TRAIN);
        }
        task.publishIfDue(s, 1);
        return OutputMessages.headUpdate(
                task,
                UserKey.parse("acme/alice"),
                "mine",
                s,
                new BackboneInfo("oww", "cd".repeat(32), 96, "cpu"),
                1_700_000_000_000L);
    }

    @Test
    void aFreshStartHeadIsExportedFromTheModelsDirAndScoresInOnnxRuntimeAsInJava(@TempDir Path dir) throws Exception {
        Path models = Path.of(System.getProperty("headstream.models.dir"));
        HeadUpdate update = freshStartHead(models);
        assertThat(update.getProvenance().getSourceHeadId()).isEqualTo("fresh:7:hey_jarvis_v0.1");
        Path out = dir.resolve("mine.onnx");

        HeadExport.Exported e = HeadExport.export(update, models, out);

        byte[] bytes = Files.readAllBytes(out);
        assertThat(dev.headstream.cli.evaluate.HeadLoader.export(update, models, new HashMap<>()))
                .isEqualTo(bytes);
        assertThat(e.threshold()).isEqualTo(update.getThreshold());
        Map<String, String> props = new HashMap<>();
        Onnx.ModelProto.parseFrom(bytes).getMetadataPropsList().forEach(p -> props.put(p.getKey(), p.getValue()));
        assertThat(props)
                .containsEntry("headstream.source_head_id", "fresh:7:hey_jarvis_v0.1")
                .containsEntry(
                        "headstream.source_head_sha256", update.getProvenance().getSourceHeadSha256());
        HeadCodec.Decoded decoded = HeadCodec.decode(
                update, SourceHeads.resolve("fresh:7:hey_jarvis_v0.1", models).head());
        MlpHead head = decoded.head();
        MlpHead.Workspace ws = head.newWorkspace();
        SplittableRandom r = new SplittableRandom(11);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        double maxDiff = 0;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(bytes, options)) {
                assertThat(session.getInputNames()).containsExactly("x.1"); // hey_jarvis's interface
                for (int n = 0; n < 50; n++) {
                    float[] w = new float[16 * 96];
                    for (int j = 0; j < w.length; j++) {
                        w[j] = (float) r.nextGaussian() + (n % 2 == 0 && j % 96 < 8 ? 2f : 0f);
                    }
                    float java = head.score(decoded.source(), decoded.trainable(), w, 0, ws);
                    try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(w), new long[] {1, 16, 96});
                            OrtSession.Result res = session.run(Map.of("x.1", x))) {
                        maxDiff = Math.max(
                                maxDiff, Math.abs(java - ((float[][]) res.get(0).getValue())[0][0]));
                    }
                }
            }
        }
        assertThat(maxDiff).isLessThan(1e-5);
    }

    @Test
    void aFreshStartHeadHeldAtItsStartIsNotExported(@TempDir Path dir) throws Exception {
        Path models = Path.of(System.getProperty("headstream.models.dir"));
        HeadUpdate trained = freshStartHead(models);
        assertThat(trained.getHeldAtSource()).isFalse();
        HeadUpdate held = trained.toBuilder()
                .setVersion(3)
                .setHeldAtSource(true)
                .setThreshold(2f)
                .build();
        HeadUpdate aboveOne =
                trained.toBuilder().setVersion(4).setThreshold(1.5f).build();
        for (HeadUpdate u : List.of(held, aboveOne)) {
            Path out = dir.resolve("v" + u.getVersion() + ".onnx");
            assertThatThrownBy(() -> HeadExport.export(u, models, out))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("head acme/alice/mine v" + u.getVersion()
                            + " is held at its fresh start (fresh:7:hey_jarvis_v0.1): it detects nothing yet"
                            + " (threshold " + u.getThreshold() + ")")
                    .hasMessageContaining("export a later version");
            assertThat(out).doesNotExist();
            assertThatThrownBy(() -> dev.headstream.cli.evaluate.HeadLoader.export(u, models, new HashMap<>()))
                    .as("detect and eval build their heads the same way")
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is held at its fresh start");
        }
        // the version after it, no longer held, exports
        assertThat(HeadExport.export(trained.toBuilder().setVersion(5).build(), models, dir.resolve("v5.onnx"))
                        .version())
                .isEqualTo(5);
    }

    @Test
    void aFreshStartHeadIsRefusedClearlyWithoutItsTemplateOrWithAnotherOne(@TempDir Path dir) throws Exception {
        Path models = Path.of(System.getProperty("headstream.models.dir"));
        HeadUpdate update = freshStartHead(models);

        assertThatThrownBy(() -> HeadExport.export(update, dir, dir.resolve("mine.onnx")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("template of the fresh start fresh:7:hey_jarvis_v0.1 for acme/alice/mine (the file whose"
                        + " head architecture and ONNX interface it takes) not found: "
                        + dir.resolve("hey_jarvis_v0.1.onnx") + " (set --models-dir)");
        assertThat(dir.resolve("mine.onnx")).doesNotExist();

        // a models dir whose hey_jarvis_v0.1.onnx is another model: the rebuilt start is not the record's
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.copy(models.resolve("alexa_v0.1.onnx"), other.resolve("hey_jarvis_v0.1.onnx"));
        assertThatThrownBy(() -> HeadExport.export(update, other, dir.resolve("mine.onnx")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fresh:7:hey_jarvis_v0.1");
    }

    @Test
    void writesAClassHeadWithoutASourceModelAndWithoutAThreshold(@TempDir Path dir) throws Exception {
        for (TaskKind.Type kind : List.of(TaskKind.Type.MULTI_CLASS, TaskKind.Type.MULTI_LABEL)) {
            List<String> labels = List.of("ann", "bob", "cat");
            ClassHeadTask task = new ClassHeadTask("who", ClassRecipe.defaults(kind, labels, 11), 96);
            ClassHeadState s = task.newState("acme/alice/who");
            SplittableRandom random = new SplittableRandom(3);
            for (int i = 0; i < 6; i++) {
                float[] v = new float[2 * 96];
                for (int j = 0; j < v.length; j++) {
                    v[j] = (float) ((j % 3 == i % 3 ? 2 : -1) + random.nextGaussian());
                }
                Label label = kind == TaskKind.Type.MULTI_CLASS
                        ? new Label.ClassIndex(i % 3)
                        : new Label.MultiHot(new float[] {i % 2, 0, 1}, new boolean[] {true, true, i < 3});
                task.apply(s, new EmbeddingSequence(2, 96, v), label, 1f, Split.TRAIN);
            }
            HeadUpdate update = OutputMessages.classHeadUpdate(
                    task,
                    UserKey.parse("acme/alice"),
                    "who",
                    s,
                    new BackboneInfo("oww", "cd".repeat(32), 96, "cpu"),
                    1_700_000_000_000L);
            Path out = dir.resolve(kind + "/who.onnx");

            HeadExport.Exported e = HeadExport.export(update, dir.resolve("no-models-here"), out);

            assertThat(e.classHead()).isTrue();
            assertThat(e.outputLabels()).containsExactly("ann", "bob", "cat");
            assertThat(e.threshold()).isNaN();
            assertThat(e.version()).isEqualTo(update.getVersion());
            Onnx.ModelProto model = Onnx.ModelProto.parseFrom(Files.readAllBytes(out));
            Map<String, String> props = new HashMap<>();
            model.getMetadataPropsList().forEach(p -> props.put(p.getKey(), p.getValue()));
            assertThat(props)
                    .containsEntry("headstream.head_id", "acme/alice/who")
                    .containsEntry("headstream.version", Long.toString(update.getVersion()))
                    .containsEntry("headstream.source_head_id", "fresh:11")
                    .containsEntry("headstream.source_head_sha256", task.startSha256())
                    .containsEntry("headstream.backbone_sha256", "cd".repeat(32))
                    .containsEntry("headstream.output", kind == TaskKind.Type.MULTI_CLASS ? "softmax" : "multi-label")
                    .containsEntry("headstream.output_labels", "ann,bob,cat")
                    .containsEntry("headstream.pooling", "mean-std")
                    .containsEntry("headstream.samples_applied", "6")
                    .containsEntry("headstream.status", "HEAD_STATUS_ACTIVE")
                    .doesNotContainKey("headstream.threshold");
            // the file holds the published parameters bit for bit, tensor by tensor
            Map<String, ByteString> initializers = new HashMap<>();
            model.getGraph().getInitializerList().forEach(t -> initializers.put(t.getName(), t.getRawData()));
            assertThat(update.getTrainableList())
                    .hasSize(6)
                    .allSatisfy(t -> assertThat(initializers.get(t.getName()))
                            .as(t.getName())
                            .isEqualTo(t.getFloat32Le()));
        }
    }

    @Test
    void detectAndEvalRefuseAClassHeadFileForTheyScoreWakeWordWindows(@TempDir Path dir) throws Exception {
        for (List<String> labels : List.of(List.of("ann", "bob"), List.of("loud", "high"), List.of("loud"))) {
            TaskKind.Type kind = labels.get(0).equals("ann") ? TaskKind.Type.MULTI_CLASS : TaskKind.Type.MULTI_LABEL;
            ClassHeadTask task = new ClassHeadTask("who", ClassRecipe.defaults(kind, labels, 11), 96);
            HeadUpdate update = OutputMessages.classHeadUpdate(
                    task,
                    UserKey.parse("acme/alice"),
                    "who",
                    task.newState("acme/alice/who"),
                    new BackboneInfo("oww", "cd".repeat(32), 96, "cpu"),
                    1L);
            Path out = dir.resolve(kind + "-" + labels.size() + ".onnx");
            HeadExport.export(update, dir, out);

            assertThatThrownBy(() -> new FixedHead(out, null).close())
                    .as("%s %s", kind, labels)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is an exported class head");
            assertThatThrownBy(
                            () -> dev.headstream.cli.evaluate.HeadLoader.export(update, dir, new java.util.HashMap<>()))
                    .hasMessageContaining("is a class head")
                    .hasMessageContaining("detect and eval score binary wake-word heads");
        }
    }

    @Test
    void failsClearlyWhenTheSourceModelIsMissing(@TempDir Path dir) {
        HeadUpdate update = update(HEAD, 1).toBuilder()
                .setProvenance(Provenance.newBuilder().setSourceHeadId("no_such_head"))
                .build();

        assertThatThrownBy(() -> HeadExport.export(update, dir, dir.resolve("x.onnx")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("source head model for acme/alice/wake not found")
                .hasMessageContaining("no_such_head.onnx");
    }

    /** A head as the adapter writes it: head id, tenant, user and task all agree. */
    private static HeadUpdate update(String headId, long version) {
        String[] parts = headId.split("/");
        return HeadUpdate.newBuilder()
                .setHeadId(headId)
                .setTenant(parts[0])
                .setUser(parts[1])
                .setTask(parts[2])
                .setVersion(version)
                .setStatus(HeadStatus.HEAD_STATUS_ACTIVE)
                .build();
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, String key, HeadUpdate value) {
        return new ConsumerRecord<>(
                Topics.HEADS,
                0,
                offset,
                key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.toByteArray());
    }
}
