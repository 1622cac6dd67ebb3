package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.headstream.cli.detect.DetectorHead;
import dev.headstream.cli.detect.FollowedHead;
import dev.headstream.cli.detect.HeadSource;
import dev.headstream.cli.detect.StreamingDetector;
import dev.headstream.cli.evaluate.EvalHead;
import dev.headstream.cli.evaluate.HeadLoader;
import dev.headstream.client.HeadFollower;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.core.adapt.task.ClipScorer;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.runtime.onnx.SourceHeads;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.Control;
import dev.headstream.schemas.v1.ControlAction;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticPopulation;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The detector scores one user's audio continuously (twice real time, 4 steps at a time) while
 * the real adapter publishes that user's head: versions from training bursts, an operator RESET,
 * an ERASE (tombstone) and a new head after it. Every window the detector scored must have been
 * scored, exactly, by a version as it was committed on {@code headstream.heads} (each window's
 * logit is recomputed afterwards from the committed record and the embeddings of the whole stream
 * in one run: equal bits, so no window read a head half-swapped); versions never go back within a
 * head's life; the RESET version is scored; after the tombstone nothing is scored until the new
 * head, whose versions start again at 1 (the detector takes the first it sees: v1, or a later one
 * when v1 lived less than a window).
 */
class DetectorHotSwapIT {

    private static final String TENANT = "swap";
    private static final String TASK = "wake";

    /** One window the detector scored. */
    private record Scored(long window, DetectorHead head, float logit) {}

    @Test
    void headsChangeWhileTheDetectorScoresContinuously() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "hotswap-it");
        Path models = ItSupport.models();
        SyntheticPopulation pop = ItSupport.population(SyntheticUsers.Config.defaults(21)
                .withUsers(1)
                .withTrain(6, 6)
                .withHoldout(1, 1)
                .withBackground(2, 4));
        Path rehearsal = ItSupport.writeReferenceSet(work, pop, TASK);
        SyntheticUser alice = pop.users().get(0);
        String headId = TENANT + "/" + alice.id() + "/" + TASK;
        short[] loop = concat(alice.train());

        try (EmbeddedKafka kafka = EmbeddedKafka.builder(work.resolve("kafka")).start();
                WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(models)) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(2);
            }
            Map<String, String> props = ItSupport.crashTestProperties(bs, rehearsal, 4, "hotswap-it");
            List<Scored> trace = new ArrayList<>();
            List<String> changes = new ArrayList<>();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long[] fed = {0};
            try (AdapterProcess adapter = AdapterProcess.start(
                                    ItSupport.adapterJar(), props, work.resolve("adapter.log"))
                            .awaitReady(Duration.ofMinutes(3));
                    FollowedHead heads = new FollowedHead(bs, headId, models, null, new HeadFollower.Listener<>() {});
                    SampleSender sender = new SampleSender(bs)) {
                assertThat(heads.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
                assertThat(heads.current()).as("no head before any sample").isEmpty();
                Thread detector = new Thread(
                        () -> {
                            try {
                                detect(backbone, heads, loop, running, trace, changes, fed);
                            } catch (Throwable t) {
                                failure.set(t);
                            }
                        },
                        "detector");
                detector.start();

                // three bursts of training clips: a new version after each
                List<SyntheticClip> clips = alice.train();
                for (int burst = 0; burst < 3; burst++) {
                    for (SyntheticClip c : clips.subList(4 * burst, 4 * burst + 4)) {
                        send(sender, c, "");
                    }
                    sender.flush();
                    long applied = 4L * (burst + 1);
                    awaitHead(heads, h -> h.samplesApplied() == applied);
                }
                long beforeReset = heads.current().orElseThrow().version();
                control(sender, alice, ControlAction.CONTROL_ACTION_RESET);
                awaitHead(heads, h -> h.version() > beforeReset && h.status().equals("RESET"));
                awaitScoredBy(trace, "RESET");
                // training again after the reset: clips sent anew under new sample ids
                for (SyntheticClip c : clips.subList(0, 2)) {
                    send(sender, c, "again-");
                }
                sender.flush();
                awaitHead(heads, h -> h.status().equals("ACTIVE") && h.version() > beforeReset + 1);
                control(sender, alice, ControlAction.CONTROL_ACTION_ERASE);
                await().atMost(Duration.ofMinutes(2))
                        .until(() -> heads.current().isEmpty());
                awaitUnscored(changes);
                // a new life: the first samples after the erase give version 1 again
                for (SyntheticClip c : clips.subList(2, 4)) {
                    send(sender, c, "after-erase-");
                }
                sender.flush();
                awaitHead(heads, h -> h.samplesApplied() == 2);
                long windowsAtNewHead;
                synchronized (trace) {
                    windowsAtNewHead = trace.size();
                }
                await().atMost(Duration.ofMinutes(1)).until(() -> {
                    synchronized (trace) {
                        return trace.size() > windowsAtNewHead + 50;
                    }
                });
                running.set(false);
                detector.join(60_000);
                assertThat(failure.get()).as("detector thread").isNull();
                assertThat(adapter.isAlive()).isTrue();
            }

            // the committed log of the head, split into lives at its tombstone
            List<Map<Long, HeadUpdate>> lives = new ArrayList<>();
            lives.add(new HashMap<>());
            for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(bs, Topics.HEADS, Duration.ofSeconds(30))) {
                if (!new String(r.key(), StandardCharsets.UTF_8).equals(headId)) {
                    continue;
                }
                if (r.value() == null) {
                    lives.add(new HashMap<>());
                } else {
                    HeadUpdate u = HeadUpdate.parseFrom(r.value());
                    assertThat(lives.get(lives.size() - 1).put(u.getVersion(), u))
                            .as("version %d committed twice", u.getVersion())
                            .isNull();
                }
            }
            assertThat(lives).as("one tombstone").hasSize(2);

            // the stream the detector heard, embedded in one run
            short[] stream = new short[Math.toIntExact(fed[0])];
            for (int i = 0; i < stream.length; i++) {
                stream[i] = loop[i % loop.length];
            }
            EmbeddingSequence e = backbone.embedStream(stream);
            assertThat(e.frames())
                    .isGreaterThanOrEqualTo((int) (trace.get(trace.size() - 1).window() + 16));

            Map<DetectorHead, ClipScorer> reference = new ConcurrentHashMap<>();
            Map<String, SourceHeads.Resolved> sources = new HashMap<>();
            int life = 0;
            long lastVersion = 0;
            long lastWindow = -1;
            boolean sawReset = false;
            for (Scored s : trace) {
                assertThat(s.window()).as("windows in order, each once").isGreaterThan(lastWindow);
                if (lastWindow >= 0 && s.window() > lastWindow + 1) {
                    // windows without a head between two scored ones: only the erase leaves none, and
                    // the new head's numbers start afresh (the detector may first see its v1 or a
                    // later version, when v1 lived less than a window)
                    life++;
                } else {
                    assertThat(s.head().version())
                            .as("window %d: versions never go back within a head's life", s.window())
                            .isGreaterThanOrEqualTo(lastVersion);
                }
                lastVersion = s.head().version();
                lastWindow = s.window();
                sawReset |= s.head().status().equals("RESET");
                HeadUpdate committed = lives.get(life).get(s.head().version());
                assertThat(committed)
                        .as(
                                "window %d scored by %s, a committed version",
                                s.window(), s.head().describe())
                        .isNotNull();
                assertThat(s.head().head().threshold()).isEqualTo(committed.getThreshold());
                ClipScorer ref = reference.computeIfAbsent(s.head(), h -> {
                    EvalHead rebuilt = HeadLoader.adapted(
                            "ref", "committed record", HeadLoader.export(committed, models, sources), null);
                    return rebuilt.newScorer();
                });
                assertThat(s.logit())
                        .as("window %d by %s", s.window(), s.head().describe())
                        .isEqualTo(ref.windowLogit(null, e.values(), e.offset((int) s.window())));
            }
            assertThat(life).as("the erase ended the first life").isEqualTo(1);
            assertThat(sawReset).isTrue();
            long versionsScored = trace.stream().map(Scored::head).distinct().count();
            assertThat(versionsScored).as("versions the detector scored with").isGreaterThanOrEqualTo(5);
            assertThat(changes)
                    .as("the tombstone left the detector without a head")
                    .contains("none");
            System.out.printf(
                    "hot swap: %d windows scored by %d versions, %d head changes: %s%n",
                    trace.size(), versionsScored, changes.size(), changes);
        }
    }

    /** Feeds {@code loop} over and over, 4 steps every 160 ms (twice real time), until stopped. */
    private static void detect(
            WakeWordBackbone backbone,
            HeadSource heads,
            short[] loop,
            AtomicBoolean running,
            List<Scored> trace,
            List<String> changes,
            long[] fed)
            throws InterruptedException {
        StreamingDetector d = new StreamingDetector(
                backbone,
                heads,
                new StreamingDetector.Events() {
                    @Override
                    public void scored(long window, DetectorHead head, float logit) {
                        synchronized (trace) {
                            trace.add(new Scored(window, head, logit));
                        }
                    }

                    @Override
                    public void headChanged(DetectorHead previous, DetectorHead current, long window) {
                        synchronized (changes) {
                            changes.add(current == null ? "none" : current.status() + " v" + current.version());
                        }
                    }
                },
                16);
        int piece = 4 * WakeWordBackbone.STEP_SAMPLES;
        short[] buf = new short[piece];
        while (running.get()) {
            for (int i = 0; i < piece; i++) {
                buf[i] = loop[(int) ((fed[0] + i) % loop.length)];
            }
            d.accept(buf, 0, piece);
            fed[0] += piece;
            Thread.sleep(160);
        }
    }

    private interface HeadCheck {
        boolean test(Info h);
    }

    private record Info(long version, String status, long samplesApplied) {}

    private static void awaitHead(FollowedHead heads, HeadCheck check) {
        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> heads.current()
                        .map(h -> check.test(new Info(h.version(), h.status(), h.samplesApplied())))
                        .orElse(false));
    }

    private static void awaitScoredBy(List<Scored> trace, String status) {
        await().atMost(Duration.ofMinutes(1)).until(() -> {
            synchronized (trace) {
                return !trace.isEmpty()
                        && trace.get(trace.size() - 1).head().status().equals(status);
            }
        });
    }

    private static void awaitUnscored(List<String> changes) {
        await().atMost(Duration.ofMinutes(1)).until(() -> {
            synchronized (changes) {
                return !changes.isEmpty() && changes.get(changes.size() - 1).equals("none");
            }
        });
    }

    private static void send(SampleSender sender, SyntheticClip c, String idPrefix) {
        var sample = SampleRecords.sample(TENANT, TASK, c);
        sender.send(
                SampleRecords.key(TENANT, c.userId()),
                sample.toBuilder()
                        .setSampleId(idPrefix + sample.getSampleId())
                        .build()
                        .toByteArray());
    }

    private static void control(SampleSender sender, SyntheticUser u, ControlAction action) {
        sender.send(
                Topics.CONTROL,
                SampleRecords.key(TENANT, u.id()),
                Control.newBuilder()
                        .setTenant(TENANT)
                        .setUser(u.id())
                        .setAction(action)
                        .setReason("hot swap test")
                        .build()
                        .toByteArray());
        sender.flush();
    }

    private static short[] concat(List<SyntheticClip> clips) {
        int n = clips.stream().mapToInt(c -> c.pcm().length).sum();
        short[] out = new short[n];
        int at = 0;
        for (SyntheticClip c : clips) {
            System.arraycopy(c.pcm(), 0, out, at, c.pcm().length);
            at += c.pcm().length;
        }
        return out;
    }
}
