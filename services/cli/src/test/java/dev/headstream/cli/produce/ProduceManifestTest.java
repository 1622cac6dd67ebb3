package dev.headstream.cli.produce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Split;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Manifests (CSV and JSON lines) and the clips named on the command line. */
class ProduceManifestTest {

    private static final Label YES = Label.newBuilder().setBinary(true).build();
    private static final Label NO = Label.newBuilder().setBinary(false).build();
    private static final ProduceManifest.Defaults NONE =
            new ProduceManifest.Defaults(null, null, Map.of(), "wake", Split.SPLIT_TRAIN);

    @Test
    void readsACsvManifestInItsOrderWithLabelColumnsAndTheOptionsForEmptyFields(@TempDir Path dir) throws IOException {
        Path m = write(
                dir.resolve("sub/m.csv"),
                "\uFEFFFile, Tenant ,user,label.wake,labels,split,sample_id\n"
                        + "b.wav,acme,zed,1,,holdout,id-1\n"
                        + "\n"
                        + "a.wav,,amy,0,\"other=1; third=false\",,\n"
                        + "/abs/c.wav,acme,zed,,wake=true,train,\n");

        List<ProduceClip> clips = ProduceManifest.read(
                m, new ProduceManifest.Defaults("dflt", null, Map.of("extra", NO), "wake", Split.SPLIT_TRAIN));

        assertThat(clips).hasSize(3);
        ProduceClip b = clips.get(0);
        assertThat(b.file()).isEqualTo(dir.resolve("sub/b.wav").toAbsolutePath());
        assertThat(b.name()).isEqualTo("b.wav");
        assertThat(b.key()).isEqualTo("acme/zed");
        assertThat(b.labels()).isEqualTo(Map.of("wake", YES, "extra", NO));
        assertThat(b.split()).isEqualTo(Split.SPLIT_HOLDOUT);
        assertThat(b.sampleId()).isEqualTo("id-1");
        ProduceClip a = clips.get(1);
        assertThat(a.key()).isEqualTo("dflt/amy");
        assertThat(a.labels()).isEqualTo(Map.of("wake", NO, "other", YES, "third", NO, "extra", NO));
        assertThat(a.split()).isEqualTo(Split.SPLIT_TRAIN);
        assertThat(a.sampleId()).isNull();
        assertThat(clips.get(2).file()).isEqualTo(Path.of("/abs/c.wav"));
        assertThat(clips.get(2).labels()).containsEntry("wake", YES);
    }

    @Test
    void readsJsonLinesAndEvalsPositiveNegativeLabel(@TempDir Path dir) throws IOException {
        Path m = write(
                dir.resolve("m.jsonl"),
                "{\"file\": \"x/1.wav\", \"tenant\": \"acme\", \"user\": \"u1\", \"labels\": {\"wake\": 1},"
                        + " \"split\": \"train\", \"sample_id\": \"s\\u0031\"}\n"
                        + "{\"file\":\"x/2.wav\",\"tenant\":\"acme\",\"user\":\"u2\",\"labels\":{\"wake\":false,\"b\":true},"
                        + "\"split\":null}\n"
                        + "{\"file\":\"x/3.wav\",\"tenant\":\"acme\",\"user\":\"u2\",\"label\":\"positive\"}\n");

        List<ProduceClip> clips = ProduceManifest.read(m, NONE);

        assertThat(clips).extracting(ProduceClip::name).containsExactly("x/1.wav", "x/2.wav", "x/3.wav");
        assertThat(clips.get(0).sampleId()).isEqualTo("s1");
        assertThat(clips.get(0).labels()).isEqualTo(Map.of("wake", YES));
        assertThat(clips.get(1).labels()).isEqualTo(Map.of("wake", NO, "b", YES));
        assertThat(clips.get(1).split()).isEqualTo(Split.SPLIT_TRAIN);
        assertThat(clips.get(2).labels()).isEqualTo(Map.of("wake", YES));
    }

    @Test
    void namesTheLineOfEveryMistake(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> read(dir, "m1.csv", "path,user\nx.wav,u\n"))
                .hasMessageContaining("m1.csv line 1: the header must name a column file");
        assertThatThrownBy(() -> read(dir, "m2.csv", "file,tenant,user,label.wake\nx.wav,acme,u,maybe\n"))
                .hasMessageContaining("m2.csv line 2, column label.wake: a binary label is 1, 0, true, false,"
                        + " positive or negative (a class task's: class:<index> or multi:<1|0|?>,...), got 'maybe'");
        assertThatThrownBy(() -> read(dir, "m3.csv", "file,tenant,user,label.wake\nx.wav,acme,u\n"))
                .hasMessageContaining("m3.csv line 2: 3 fields, the header has 4");
        assertThatThrownBy(() -> read(dir, "m4.csv", "file,tenant,user,label.wake\nx.wav,acme,bad user,1\n"))
                .hasMessageContaining("m4.csv line 2: user 'bad user' must be 1-64 characters of [A-Za-z0-9._-], has a"
                        + " ' ' at position 4");
        assertThatThrownBy(() -> read(dir, "m5.csv", "file,tenant,label.wake\nx.wav,acme,1\n"))
                .hasMessageContaining("m5.csv line 2: no user (a column user, or --user)");
        assertThatThrownBy(() -> read(dir, "m6.csv", "file,tenant,user,label.wake,labels\nx.wav,acme,u,1,wake=0\n"))
                .hasMessageContaining("m6.csv line 2: task wake is labeled twice");
        assertThatThrownBy(() -> read(dir, "m7.csv", "file,tenant,user\nx.wav,acme,u\n"))
                .hasMessageContaining("m7.csv line 2: x.wav has no label");
        assertThatThrownBy(() -> read(dir, "m8.csv", "file,tenant,user,label.wake,split\nx.wav,acme,u,1,test\n"))
                .hasMessageContaining("m8.csv line 2: split is train or holdout, got 'test'");
        assertThatThrownBy(() -> read(dir, "m9.jsonl", "{\"file\":\"x.wav\",\"labels\":{\"wake\":1}\n"))
                .hasMessageContaining("m9.jsonl line 1, column 36: expected '}'");
        assertThatThrownBy(() -> read(dir, "m10.jsonl", "{\"file\":\"x.wav\",\"labels\":[1]}\n"))
                .hasMessageContaining("m10.jsonl line 1: \"labels\" must be an object");
        assertThatThrownBy(() -> read(dir, "m11.csv", "file,user\n")).hasMessageContaining("lists no clips");
    }

    @Test
    void anUnknownColumnOrNameIsAnErrorNamingItsPositionTheKnownNamesAndTheClosest(@TempDir Path dir) {
        assertThatThrownBy(() -> read(dir, "u1.csv", "file,tenant,user,label.wake,splt\nx.wav,acme,u,1,holdout\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("u1.csv line 1: unknown column 'splt' (column 5); did you mean 'split'?")
                .hasMessageContaining("Known: file, tenant, user, split, sample_id, label, labels, label.<task>");
        assertThatThrownBy(() -> read(dir, "u2.csv", "file,tennant,user,label.wake\nx.wav,acme,u,1\n"))
                .hasMessageContaining("unknown column 'tennant' (column 2); did you mean 'tenant'?");
        assertThatThrownBy(() -> read(dir, "u3.csv", "file,tenant,user,lable.wake\nx.wav,acme,u,1\n"))
                .hasMessageContaining("unknown column 'lable.wake' (column 4); did you mean 'label.wake'?");
        assertThatThrownBy(() -> read(dir, "u4.csv", "file,tenant,user,label.wake,notes\nx.wav,acme,u,1,hi\n"))
                .hasMessageContaining("unknown column 'notes' (column 5). Known: file,")
                .hasMessageNotContaining("did you mean");
        assertThatThrownBy(() -> read(
                        dir,
                        "u5.jsonl",
                        "{\"file\": \"a.wav\", \"tenant\": \"acme\", \"user\": \"alice\", \"labels\": {\"wake\": 1},"
                                + " \"splt\": \"holdout\"}\n"))
                .hasMessageContaining("u5.jsonl line 1: unknown name \"splt\" (key 5 of the line); did you mean"
                        + " 'split'? Known: file, tenant, user, split, sample_id, label, labels")
                .hasMessageNotContaining("<task>");
        assertThat(ProduceManifest.distance("lable", "label")).isEqualTo(2);
        assertThat(ProduceManifest.distance("", "abc")).isEqualTo(3);
    }

    @Test
    void anEmptyTaskNameIsRefusedNamingTheLineInJsonAsInCsv(@TempDir Path dir) {
        assertThatThrownBy(() -> read(
                        dir,
                        "e1.jsonl",
                        "{\"file\": \"a.wav\", \"tenant\": \"acme\", \"user\": \"alice\", \"labels\": {\"\": 1}}\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("e1.jsonl line 1, labels.: a label names no task (an empty task name)");
        assertThatThrownBy(() -> read(
                        dir,
                        "e2.jsonl",
                        "{\"file\": \"a.wav\", \"tenant\": \"acme\", \"user\": \"alice\", \"labels\": {\" \": 1}}\n"))
                .hasMessageContaining("e2.jsonl line 1, labels. : a label names no task");
        assertThatThrownBy(() -> read(dir, "e3.csv", "file,tenant,user,label.\na.wav,acme,alice,1\n"))
                .hasMessageContaining("e3.csv line 2, column label.: a label names no task");
        assertThatThrownBy(() -> read(dir, "e4.csv", "file,tenant,user,labels\na.wav,acme,alice, =1\n"))
                .hasMessageContaining("e4.csv line 2, column labels: a label is TASK=VALUE (e.g. wake=1), got '=1'");
        assertThatThrownBy(() -> read(
                        dir,
                        "e5.jsonl",
                        "{\"file\": \"a.wav\", \"tenant\": \"acme\", \"user\": \"alice\","
                                + " \"labels\": {\"wake\": 1, \" wake\": 0}}\n"))
                .hasMessageContaining("e5.jsonl line 1: task wake is labeled twice");
    }

    @Test
    void aJsonLineNestedDeeperThanTheLimitIsAnErrorNamingTheLineNotAStackOverflow(@TempDir Path dir)
            throws IOException {
        String deepest = "[".repeat(JsonLine.MAX_DEPTH - 1) + "]".repeat(JsonLine.MAX_DEPTH - 1);
        // parsed to the end: what stops it is the unknown name, not the depth
        assertThatThrownBy(() -> read(
                        dir,
                        "ok.jsonl",
                        "{\"file\": \"a.wav\", \"tenant\": \"acme\", \"user\": \"alice\", \"labels\": {\"wake\": 1},"
                                + " \"x\": " + deepest + "}\n"))
                .hasMessageContaining("ok.jsonl line 1: unknown name \"x\" (key 5 of the line)");

        assertThatThrownBy(() -> read(
                        dir,
                        "deeper.jsonl",
                        "{\"file\": \"a.wav\", \"x\": " + "[".repeat(JsonLine.MAX_DEPTH)
                                + "]".repeat(JsonLine.MAX_DEPTH) + "}\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deeper.jsonl line 1, column 87: objects and arrays nested deeper than 64");
        assertThatThrownBy(() ->
                        read(dir, "hostile.jsonl", "\n{\"file\": \"a.wav\", \"x\": " + "[".repeat(100_000) + "}\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hostile.jsonl line 2, column 87: objects and arrays nested deeper than 64");
    }

    @Test
    void clipsOfAManifestShareTheirFolderTenantsUsersAndLabelSets(@TempDir Path dir) throws IOException {
        StringBuilder text = new StringBuilder("file,tenant,user,label.wake,sample_id\n");
        for (int i = 0; i < 6; i++) {
            text.append("clips/")
                    .append(i)
                    .append(".wav,acme,user")
                    .append(i % 2)
                    .append(',')
                    .append(i % 2)
                    .append(",\n");
        }

        List<ProduceClip> clips = read(dir, "shared.csv", text.toString());

        assertThat(clips).hasSize(6);
        assertThat(clips).extracting(ProduceClip::line).containsExactly(2, 3, 4, 5, 6, 7);
        assertThat(clips.get(5).file()).isEqualTo(dir.resolve("clips/5.wav").toAbsolutePath());
        for (int i = 2; i < 6; i++) {
            ProduceClip c = clips.get(i);
            ProduceClip same = clips.get(i % 2);
            assertThat(c.base()).isSameAs(same.base());
            assertThat(c.tenant()).isSameAs(same.tenant());
            assertThat(c.user()).isSameAs(same.user());
            assertThat(c.labels()).isSameAs(same.labels());
        }
    }

    @Test
    void aFolderWithPositiveAndNegativeLabelsItsClipsForTheTaskInPathOrder(@TempDir Path dir) throws IOException {
        TestWavs.tone(dir.resolve("u/positive/2.wav"), 16_000, 1, 0.1);
        TestWavs.tone(dir.resolve("u/positive/1.wav"), 16_000, 1, 0.1);
        TestWavs.tone(dir.resolve("u/negative/deep/3.wav"), 16_000, 1, 0.1);
        Files.writeString(dir.resolve("u/positive/notes.txt"), "ignored");

        List<ProduceClip> clips = ProduceInputs.fromPaths(
                List.of(dir.resolve("u")), "acme", "u", Map.of("other", YES), "wake", Split.SPLIT_TRAIN);

        assertThat(clips)
                .extracting(ProduceClip::name)
                .containsExactly(
                        dir.resolve("u/negative/deep/3.wav").toString(),
                        dir.resolve("u/positive/1.wav").toString(),
                        dir.resolve("u/positive/2.wav").toString());
        assertThat(clips.get(0).labels()).isEqualTo(Map.of("wake", NO, "other", YES));
        assertThat(clips.get(1).labels()).isEqualTo(Map.of("wake", YES, "other", YES));

        assertThatThrownBy(() -> ProduceInputs.fromPaths(
                        List.of(Path.of("no/such.wav")), "acme", "u", Map.of("wake", YES), "wake", Split.SPLIT_TRAIN))
                .hasMessage("path not found: no/such.wav (resolved to "
                        + Path.of("no/such.wav").toAbsolutePath() + ")");
        TestWavs.tone(dir.resolve("u/stray.wav"), 16_000, 1, 0.1);
        assertThatThrownBy(() -> ProduceInputs.fromPaths(
                        List.of(dir.resolve("u")), "acme", "u", Map.of(), "wake", Split.SPLIT_TRAIN))
                .hasMessageContaining("u/stray.wav is in neither");
        assertThat(ProduceInputs.fromPaths(
                        List.of(dir.resolve("u/positive")),
                        "acme",
                        "u",
                        Map.of("wake", YES),
                        "wake",
                        Split.SPLIT_TRAIN))
                .hasSize(2);
    }

    private static List<ProduceClip> read(Path dir, String name, String text) throws IOException {
        return ProduceManifest.read(write(dir.resolve(name), text), NONE);
    }

    private static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }
}
