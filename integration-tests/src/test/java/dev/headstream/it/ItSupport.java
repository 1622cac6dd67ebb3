package dev.headstream.it;

import dev.headstream.cli.replay.HeadReplay;
import dev.headstream.client.HeadFollower;
import dev.headstream.client.SampleSender;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.wire.SampleFile;
import dev.headstream.runtime.speech.SpeechSynth;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.synth.CachingSynthesizer;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.SynthProgress;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticPopulation;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import dev.headstream.tools.bank.BankCommand;
import dev.headstream.tools.soak.FaultSoak;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.awaitility.Awaitility;

/** What the end-to-end tests share: the models and adapter jar the build passes in, synthetic users, a reference set file. */
final class ItSupport {

    private ItSupport() {}

    /** The verified models folder ({@code -Dheadstream.models.dir}, set by the build). */
    static Path models() {
        return Path.of(System.getProperty("headstream.models.dir"));
    }

    /** The adapter's {@code quarkus-run.jar} ({@code -Dheadstream.adapter.jar}, set by the build). */
    static Path adapterJar() {
        return Path.of(System.getProperty("headstream.adapter.jar"));
    }

    /**
     * A small negative bank for the tests (3 minutes of training and 3 of calibration speech from
     * the project's synthesizers, no evaluation part), built once into {@code target/test-bank} and
     * rebuilt only when its recipe changes. The adapters in the tests train and calibrate on it, as
     * the default configuration does on the full bank.
     */
    static synchronized Path testBank() {
        Path dir = Path.of("target/test-bank").toAbsolutePath();
        BankCommand.build(dir, models(), 0.05, 0.05, 0, 7, 2, System.out);
        return dir;
    }

    /** {@code config}'s users, synthesized on 2 threads with the speech cache in {@code target/synth-cache}. */
    static SyntheticPopulation population(SyntheticUsers.Config config) {
        return new SyntheticUsers(config)
                .generate(
                        new CachingSynthesizer(new SpeechSynth(), Path.of("target/synth-cache")),
                        2,
                        SynthProgress.none());
    }

    /** Sends training clips {@code from..to} of every user (alternating users clip by clip) and waits for the acks. */
    static void sendTrain(
            SampleSender sender, String tenant, String task, List<SyntheticUser> users, int from, int to) {
        for (int i = from; i < to; i++) {
            for (SyntheticUser u : users) {
                SyntheticClip c = u.train().get(i);
                sender.send(
                        SampleRecords.key(tenant, c.userId()),
                        SampleRecords.sample(tenant, task, c).toByteArray());
            }
        }
        sender.flush();
    }

    /** Waits (up to 4 minutes) until every user's newest head says {@code applied} samples. */
    static void awaitApplied(
            HeadFollower<?> follower, String tenant, String task, List<SyntheticUser> users, long applied) {
        Awaitility.await()
                .atMost(Duration.ofMinutes(4))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    for (SyntheticUser u : users) {
                        Assertions.assertThat(follower.current(tenant + "/" + u.id() + "/" + task))
                                .as("head of %s", u.id())
                                .hasValueSatisfying(v -> Assertions.assertThat(
                                                v.update().getProvenance().getSamplesApplied())
                                        .isEqualTo(applied));
                    }
                });
    }

    /**
     * Adapter properties for a crash test: the broker, the models, the wake task's reference set and
     * replay steps, the instance id, and a 6 s session timeout so a dead or frozen instance leaves
     * the group quickly (45 s by default). Mutable, for a test to add fault settings.
     */
    static Map<String, String> crashTestProperties(
            String bootstrap, Path rehearsal, int replaySteps, String instanceId) {
        return FaultSoak.adapterProperties(bootstrap, models(), rehearsal, testBank(), replaySteps, instanceId);
    }

    /**
     * Rebuilds every head from the samples topic with the engine that {@code adapterProperties}
     * configure (the properties the test's adapters ran with) and asserts all {@code heads}
     * bit-identical to their newest published versions.
     */
    /**
     * A started follower of every head on {@code bootstrap} that adds each version it swaps in to
     * {@code versions} (in the order it reads them; one head's versions in version order).
     */
    static HeadFollower<HeadUpdate> recordingFollower(String bootstrap, List<HeadUpdate> versions) {
        return HeadFollower.<HeadUpdate>builder(bootstrap, u -> u)
                .listener(new HeadFollower.Listener<>() {
                    @Override
                    public void swapped(
                            HeadFollower.Versioned<HeadUpdate> previous, HeadFollower.Versioned<HeadUpdate> current) {
                        versions.add(current.update());
                    }
                })
                .build()
                .start();
    }

    static void assertHeadsEqualReplay(String bootstrap, Map<String, String> adapterProperties, int heads) {
        HeadReplay.Result replay =
                HeadReplay.run(bootstrap, EngineSpec.fromProperties(adapterProperties), Duration.ofSeconds(60));
        Assertions.assertThat(replay.differences()).isEmpty();
        Assertions.assertThat(replay.identical())
                .as("heads bit-identical to the replay")
                .isEqualTo(heads);
    }

    /** {@code perUser} samples sent to each user's head of {@code task}, by head id (what {@code OutputAudit} expects). */
    static Map<String, Long> samplesPerHead(String tenant, String task, List<SyntheticUser> users, long perUser) {
        Map<String, Long> out = new HashMap<>();
        users.forEach(u -> out.put(tenant + "/" + u.id() + "/" + task, perUser));
        return out;
    }

    /** The adapter's Prometheus scrape ({@code /q/metrics}). */
    static String scrape(AdapterProcess adapter) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adapter.httpPort() + "/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("/q/metrics answered " + r.statusCode());
        }
        return r.body();
    }

    /**
     * The value of the sample {@code series} (a metric name, with its labels as Prometheus prints
     * them if any, e.g. {@code headstream_rejects_total{reason="MALFORMED"}}) in a scrape, or 0 if
     * it is absent.
     */
    static double sample(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return 0;
    }

    /**
     * Adds a user of the adapter's admin API and dashboard to {@code adapterProperties}: the realm's
     * stored form of the password, HEX(SHA-256("user:Quarkus:password")), and the role.
     */
    static void addAdminUser(Map<String, String> adapterProperties, String user, String password, String role) {
        try {
            adapterProperties.put(
                    "quarkus.security.users.embedded.users." + user,
                    HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256")
                                    .digest((user + ":Quarkus:" + password).getBytes(StandardCharsets.UTF_8))));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        adapterProperties.put("quarkus.security.users.embedded.roles." + user, role);
    }

    /** Writes the background speakers' clips as the rehearsal reference set file of {@code task}; returns its path. */
    static Path writeReferenceSet(Path work, SyntheticPopulation pop, String task) throws IOException {
        Path file = work.resolve("rehearsal.samples.pb");
        List<Sample> reference = pop.background().stream()
                .map(c -> SampleRecords.sample("reference", task, c))
                .toList();
        SampleFile.write(file, reference);
        return file;
    }
}
