package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headstream.cli.Main;
import dev.headstream.client.HeadFollower;
import dev.headstream.client.TopicReader;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.RejectReason;
import dev.headstream.schemas.v1.Rejected;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import dev.headstream.testkit.synth.Split;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticPopulation;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The user command {@code produce} end to end: real WAV files of two synthetic users (espeak-ng
 * speech, positive and negative clips, train and holdout) and a manifest, among them a clip at
 * 22.05 kHz and a stereo one (converted with sox and applied), a truncated WAV and an empty file
 * (skipped, named), and a 12 s clip (refused, the limit named). {@code produce} runs in-process
 * against a real broker with the adapter as a child process: its summary and exit code, then
 * each user's newest head has applied exactly that user's good training clips, every produced
 * clip has its metrics record and nothing was rejected. Producing the same manifest again sends
 * the same sample ids (each run checks only its own clips for repeated ids), all rejected
 * {@code DUPLICATE} by the adapter, as the summary says such verdicts arrive: no head trains
 * twice.
 */
class ProduceFolderIT {

    private static final String TENANT = "produce-it";
    private static final String TASK = "wake";

    @Test
    void producesAFolderOfRealRecordingsOnceAndAgainWithoutTrainingTwice() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "produce-it");
        SyntheticPopulation pop = ItSupport.population(SyntheticUsers.Config.defaults(15)
                .withUsers(2)
                .withTrain(3, 3)
                .withHoldout(1, 1)
                .withBackground(0, 0));
        List<SyntheticUser> users = pop.users();
        Path recordings = work.resolve("recordings");
        Path manifest = writeRecordings(recordings, users);

        Map<String, Long> trainPerUser = new HashMap<>();
        users.forEach(u -> trainPerUser.put(u.id(), (long) u.train().size()));
        int good = users.stream()
                .mapToInt(u -> u.train().size() + u.holdout().size())
                .sum();
        long train = trainPerUser.values().stream().mapToLong(Long::longValue).sum();

        try (EmbeddedKafka kafka = EmbeddedKafka.builder(work.resolve("kafka")).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(2);
            }
            Map<String, String> adapterProps = Map.of(
                    "kafka.bootstrap.servers",
                    bs,
                    "headstream.models-dir",
                    ItSupport.models().toAbsolutePath().toString(),
                    "headstream.negative-bank.directory",
                    ItSupport.testBank().toString(),
                    "headstream.instance-id",
                    "produce-it",
                    "headstream.tasks.wake.replay-steps",
                    "2");
            try (AdapterProcess adapter = AdapterProcess.start(
                                    ItSupport.adapterJar(), adapterProps, work.resolve("adapter.log"))
                            .awaitReady(Duration.ofMinutes(3));
                    HeadFollower<HeadUpdate> follower = new HeadFollower<>(bs, u -> u).start()) {

                Run first = produce(bs, manifest);

                assertThat(first.exit).as(first.out + first.err).isEqualTo(1);
                assertSummary(first.out, good, train, users);

                await().atMost(Duration.ofMinutes(4))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> {
                            for (SyntheticUser u : users) {
                                assertThat(follower.current(headId(u)))
                                        .as("head of %s", u.id())
                                        .hasValueSatisfying(v -> assertThat(v.update()
                                                        .getProvenance()
                                                        .getSamplesApplied())
                                                .as("%s's good training clips, the converted one included", u.id())
                                                .isEqualTo(trainPerUser.get(u.id())));
                            }
                        });
                // every produced clip, train and holdout, was applied: one metrics record each
                await().atMost(Duration.ofMinutes(1))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> assertThat(metricsPerHead(bs)).isEqualTo(expectedMetrics(users)));
                assertThat(TopicReader.readAll(bs, Topics.REJECTED, Duration.ofSeconds(30)))
                        .as("nothing the command sent was rejected")
                        .isEmpty();
                Map<String, Long> versions = new HashMap<>();
                users.forEach(u -> versions.put(
                        headId(u), follower.current(headId(u)).orElseThrow().version()));

                Run again = produce(bs, manifest);

                assertThat(again.exit).as(again.out + again.err).isEqualTo(1);
                assertSummary(again.out, good, train, users);
                List<ConsumerRecord<byte[], byte[]>> samples =
                        TopicReader.readAll(bs, Topics.SAMPLES, Duration.ofSeconds(30));
                assertThat(samples).hasSize(2 * good);
                Set<String> ids = new HashSet<>();
                for (ConsumerRecord<byte[], byte[]> r : samples) {
                    Sample s = Sample.parseFrom(r.value());
                    assertThat(new String(r.key(), StandardCharsets.UTF_8))
                            .isEqualTo(s.getTenant() + "/" + s.getUser());
                    ids.add(s.getSampleId());
                }
                assertThat(ids).as("the same ids both times").hasSize(good).contains("first-clip");
                await().atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(500))
                        .untilAsserted(
                                () -> assertThat(TopicReader.readAll(bs, Topics.REJECTED, Duration.ofSeconds(30)))
                                        .hasSize(good));
                Set<String> duplicates = new HashSet<>();
                for (ConsumerRecord<byte[], byte[]> r :
                        TopicReader.readAll(bs, Topics.REJECTED, Duration.ofSeconds(30))) {
                    Rejected x = Rejected.parseFrom(r.value());
                    assertThat(x.getReason()).as(x.getMessage()).isEqualTo(RejectReason.DUPLICATE);
                    duplicates.add(x.getSampleId());
                }
                assertThat(duplicates).isEqualTo(ids);
                assertThat(metricsPerHead(bs)).as("nothing trained twice").isEqualTo(expectedMetrics(users));
                for (SyntheticUser u : users) {
                    assertThat(follower.current(headId(u))).hasValueSatisfying(v -> {
                        assertThat(v.version()).isEqualTo(versions.get(headId(u)));
                        assertThat(v.update().getProvenance().getSamplesApplied())
                                .isEqualTo(trainPerUser.get(u.id()));
                    });
                }
                assertThat(adapter.isAlive()).isTrue();
            }
        }
    }

    /** The summary {@code produce} prints for the manifest of {@link #writeRecordings}. */
    private static void assertSummary(String out, int good, long train, List<SyntheticUser> users) {
        assertThat(out)
                .contains(String.format(
                        "produce: sent %d of %d clips (%d train, %d holdout) of 2 users, each acknowledged by the broker",
                        good, good + 3, train, good - train))
                .contains("produce: sent: written to headstream.samples and acknowledged by the broker, not yet"
                        + " applied: the adapter's own verdicts (DUPLICATE of a sample id sent before, UNKNOWN_TASK,"
                        + " RATE_LIMITED, CAPACITY, ...) arrive on headstream.rejected; ./headstream watch"
                        + " --bootstrap ")
                .containsPattern("converted \\S*" + users.get(0).id()
                        + "-train-1-22k\\.wav \\(22050 Hz, 1 channel, 16-bit\\) to 16 kHz mono 16-bit with sox")
                .containsPattern("converted \\S*" + users.get(1).id()
                        + "-train-2-stereo\\.wav \\(16000 Hz, 2 channels, 16-bit\\) to 16 kHz mono 16-bit with sox")
                .contains("produce: 2 of them converted with sox")
                .contains("skipped bad/truncated.wav (unreadable): cannot read ")
                .contains("truncated: the data chunk declares "
                        + 2 * users.get(0).train().get(0).pcm().length + " bytes but only ")
                .contains("skipped bad/empty.wav (empty file): ")
                .contains("skipped bad/long.wav (too long): ")
                .contains("is 12.00 s long (192,000 samples); the adapter accepts at most 10 s (160,000 samples;"
                        + " headstream.backbone.max-seconds, --max-seconds)")
                .contains("produce: skipped 3:")
                .contains("produce:   empty file: 1 (bad/empty.wav)")
                .contains("produce:   unreadable: 1 (bad/truncated.wav)")
                .contains("produce:   too long: 1 (bad/long.wav)")
                .doesNotContain("duplicate sample id")
                .doesNotContain("failed to send");
        for (SyntheticUser u : users) {
            assertThat(out)
                    .contains(String.format(
                            "produce:   %s/%s: %d (%d train, %d holdout)",
                            TENANT,
                            u.id(),
                            u.train().size() + u.holdout().size(),
                            u.train().size(),
                            u.holdout().size()));
        }
    }

    /**
     * WAV files of every clip under {@code dir} and a manifest listing them, users interleaved
     * clip by clip, training clips first: the first user's second training clip at 22.05 kHz, the
     * second user's third in stereo (both made by sox from the 16 kHz clip), and three bad files
     * among them: a truncated WAV, an empty file and a 12 s clip. The first clip has its own sample
     * id; every other id is derived.
     */
    private static Path writeRecordings(Path dir, List<SyntheticUser> users) throws IOException, InterruptedException {
        List<String> rows = new ArrayList<>();
        rows.add("file,tenant,user,label.wake,split,sample_id");
        int clips = users.get(0).stream().size();
        for (int i = 0; i < clips; i++) {
            for (int ui = 0; ui < users.size(); ui++) {
                SyntheticUser u = users.get(ui);
                SyntheticClip c = u.stream().get(i);
                String split = c.split() == Split.HOLDOUT ? "holdout" : "train";
                String base = u.id() + "/" + u.id() + "-" + split + "-" + i;
                Path wav = writeWav(dir.resolve(base + ".wav"), c.pcm());
                String file = base + ".wav";
                if (ui == 0 && i == 1) {
                    file = base + "-22k.wav";
                    sox(wav, dir.resolve(file), "-r", "22050");
                    Files.delete(wav);
                } else if (ui == 1 && i == 2) {
                    file = base + "-stereo.wav";
                    sox(wav, dir.resolve(file), "-c", "2");
                    Files.delete(wav);
                }
                String id = ui == 0 && i == 0 ? "first-clip" : "";
                rows.add(String.join(",", file, TENANT, u.id(), c.positive() ? "1" : "0", split, id));
            }
            if (i == 1) {
                SyntheticClip c = users.get(0).train().get(0);
                byte[] whole = Files.readAllBytes(writeWav(dir.resolve("bad/whole.wav"), c.pcm()));
                Files.delete(dir.resolve("bad/whole.wav"));
                Files.write(dir.resolve("bad/truncated.wav"), Arrays.copyOf(whole, whole.length / 2));
                rows.add(String.join(
                        ",", "bad/truncated.wav", TENANT, users.get(0).id(), "1", "train", ""));
                Files.write(dir.resolve("bad/empty.wav"), new byte[0]);
                rows.add(String.join(",", "bad/empty.wav", TENANT, users.get(1).id(), "0", "train", ""));
                short[] twelve = new short[12 * 16_000];
                for (int at = 0; at < twelve.length; at += c.pcm().length) {
                    System.arraycopy(c.pcm(), 0, twelve, at, Math.min(c.pcm().length, twelve.length - at));
                }
                writeWav(dir.resolve("bad/long.wav"), twelve);
                rows.add(String.join(",", "bad/long.wav", TENANT, users.get(1).id(), "0", "train", ""));
            }
        }
        Path manifest = dir.resolve("manifest.csv");
        Files.write(manifest, rows);
        return manifest;
    }

    private record Run(int exit, String out, String err) {}

    private static Run produce(String bootstrap, Path manifest) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF))
                .execute("produce", "--bootstrap", bootstrap, "--manifest", manifest.toString());
        System.out.print(out);
        System.out.print(err);
        return new Run(exit, out.toString(), err.toString());
    }

    /** Metrics records per head id on {@code headstream.metrics}. */
    private static Map<String, Long> metricsPerHead(String bootstrap) {
        return TopicReader.readAll(bootstrap, Topics.METRICS, Duration.ofSeconds(30)).stream()
                .map(r -> {
                    try {
                        return AdaptationMetrics.parseFrom(r.value()).getHeadId();
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new AssertionError(e);
                    }
                })
                .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
    }

    private static Map<String, Long> expectedMetrics(List<SyntheticUser> users) {
        Map<String, Long> out = new HashMap<>();
        users.forEach(
                u -> out.put(headId(u), (long) (u.train().size() + u.holdout().size())));
        return out;
    }

    private static String headId(SyntheticUser u) {
        return TENANT + "/" + u.id() + "/" + TASK;
    }

    /** 16 kHz mono 16-bit PCM WAV. */
    private static Path writeWav(Path file, short[] pcm) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(44 + 2 * pcm.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + 2 * pcm.length);
        b.put("WAVEfmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16);
        b.putShort((short) 1).putShort((short) 1).putInt(16_000).putInt(32_000);
        b.putShort((short) 2).putShort((short) 16);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(2 * pcm.length);
        for (short s : pcm) {
            b.putShort(s);
        }
        Files.createDirectories(file.getParent());
        Files.write(file, b.array());
        return file;
    }

    /** {@code sox IN OPTIONS... OUT}: the same audio in another format. */
    private static void sox(Path in, Path out, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("sox", in.toString()));
        command.addAll(List.of(options));
        command.add(out.toString());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("sox %s: %s", command, said).isZero();
    }
}
