package dev.headstream.tools.ownword;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.cli.Dirs;
import dev.headstream.cli.replay.HeadReplay;
import dev.headstream.client.HeadFollower;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.core.adapt.task.ClipScorer;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.runtime.onnx.SourceHeads;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Rejected;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.schemas.v1.Split;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import dev.headstream.testkit.synth.CachingSynthesizer;
import dev.headstream.testkit.synth.MultiEngineSynth;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.tools.bench.HeldOutSpeech;
import dev.headstream.tools.bench.HoldoutEvaluator;
import dev.headstream.tools.bench.LinePlot;
import dev.headstream.tools.bench.OwnWordBench;
import dev.headstream.tools.demo.MetricsTopic;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * {@code demo --scenario own-word}: a user's own wake word, through the service. Each phrase is a
 * binary task of the adapter that starts from a fresh, seeded head ({@code source-head=fresh:<seed>})
 * and has the phrase configured ({@code phrase}), so the adapter synthesizes the phrase's near misses
 * at start-up and every head learns them. Synthetic users (the voice catalog's USERS part, the same
 * users as {@code bench-own-word}) enroll by saying their phrase: their clips go to the samples topic
 * in rounds, and after {@code checkpoints} clips each user's newest head version is taken from the
 * heads topic, as a consumer hot-swaps it. Each such version is scored in-process as a consumer would:
 * recall on the user's held-out clips of the phrase, and false accepts per hour on the negative bank's
 * evaluation part (continuous read speech of voices in no other part and in no user), every 80 ms with
 * the refractory period. A version held at its start accepts nothing (a fresh start is no detector):
 * it counts as missing every clip. The heads are then replayed from the samples topic and compared
 * bit for bit.
 */
public final class OwnWordDemo {

    /** Issue 18's target: after this many clips, ... */
    static final int TARGET_CLIPS = 8;

    /** ... at least this recall ... */
    static final double TARGET_RECALL = 0.9;

    /** ... with at most this many false accepts per hour. */
    static final double TARGET_PER_HOUR = 1;

    /** The tenant of every user. */
    public static final String TENANT = "own";

    /** The phrases of {@code bench-own-word}: none of them "hey jarvis". */
    public static final List<String> PHRASES = List.of("okay nova", "hey marble", "wake up luna", "hello sunny");

    /**
     * What to run.
     *
     * @param usersPerPhrase users of each phrase
     * @param holdout        held-out clips per user
     * @param checkpoints    enrollment clip counts at which heads are scored, ascending
     * @param freshSeed      the seed of every task's fresh start
     * @param phrasePerUser  one task {@value #PER_USER_TASK} whose phrase each user's samples name,
     *                       instead of a task per phrase
     */
    public record Settings(
            Path modelsDir,
            Path adapterJar,
            Path workDir,
            Path cacheDir,
            Path bankDir,
            long seed,
            long freshSeed,
            List<String> phrases,
            boolean phrasePerUser,
            int usersPerPhrase,
            int holdout,
            List<Integer> checkpoints,
            int partitions,
            Duration timeout,
            Map<String, String> adapterProperties) {

        public Settings {
            phrases = List.copyOf(phrases);
            checkpoints = List.copyOf(checkpoints);
            adapterProperties = Map.copyOf(adapterProperties);
            if (phrases.isEmpty() || usersPerPhrase < 1 || holdout < 1) {
                throw new IllegalArgumentException("own-word needs a phrase, a user per phrase and a held-out clip");
            }
            for (int i = 0; i < checkpoints.size(); i++) {
                if (checkpoints.get(i) < 1 || (i > 0 && checkpoints.get(i) <= checkpoints.get(i - 1))) {
                    throw new IllegalArgumentException("checkpoints must ascend from 1: " + checkpoints);
                }
            }
            if (checkpoints.isEmpty()) {
                throw new IllegalArgumentException("own-word needs at least one checkpoint");
            }
        }

        int enrolment() {
            return checkpoints.get(checkpoints.size() - 1);
        }
    }

    /** One user's head at one checkpoint, scored. */
    public record HeadFigures(
            String phrase,
            String user,
            String voice,
            int clips,
            long version,
            boolean held,
            String reason,
            float threshold,
            int positives,
            int detected,
            int activations,
            double hours) {

        double recall() {
            return detected / (double) positives;
        }

        double perHour() {
            return activations / hours;
        }
    }

    /** Heads pooled at one clip count (one phrase, or all). */
    public record Row(
            String phrase,
            int clips,
            int heads,
            int held,
            double recall,
            double worstRecall,
            int activations,
            double headHours,
            double worstPerHour) {

        double perHour() {
            return activations / headHours;
        }

        static Row of(String phrase, int clips, List<HeadFigures> f) {
            return new Row(
                    phrase,
                    clips,
                    f.size(),
                    (int) f.stream().filter(HeadFigures::held).count(),
                    f.stream().mapToDouble(HeadFigures::recall).average().orElse(0),
                    f.stream().mapToDouble(HeadFigures::recall).min().orElse(0),
                    f.stream().mapToInt(HeadFigures::activations).sum(),
                    f.stream().mapToDouble(HeadFigures::hours).sum(),
                    f.stream().mapToDouble(HeadFigures::perHour).max().orElse(0));
        }
    }

    private record User(String key, String phrase, String task, OwnWordBench.OwnUser own) {}

    private final Settings s;
    private final PrintWriter out;

    public OwnWordDemo(Settings settings, PrintWriter out) {
        this.s = settings;
        this.out = out;
    }

    /** The adapter key that bounds the phrases whose near misses one batch makes. */
    static final String NEW_PHRASES_PER_BATCH = "headstream.new-phrases-per-batch";

    /** The task of every user with {@link Settings#phrasePerUser}. */
    public static final String PER_USER_TASK = "own-word";

    /**
     * The task name of {@code phrase}, also the start of its users' keys: its words in lower case
     * joined by '-', anything but a letter or digit dropped ({@code let's go} is {@code lets-go}).
     */
    public static String task(String phrase) {
        return phrase.strip()
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9\\s]", "")
                .replaceAll("\\s+", "-");
    }

    /** The task of {@code phrase}'s users in this run. */
    private String taskOf(String phrase) {
        return s.phrasePerUser() ? PER_USER_TASK : task(phrase);
    }

    /** The adapter's tasks in this run. */
    private List<String> tasks() {
        return s.phrasePerUser()
                ? List.of(PER_USER_TASK)
                : s.phrases().stream().map(OwnWordDemo::task).toList();
    }

    /** Runs the scenario; returns every head's figures. */
    public List<HeadFigures> run() throws Exception {
        long t0 = System.nanoTime();
        Files.createDirectories(s.workDir());
        NegativeBank bank = NegativeBank.open(s.bankDir());
        if (bank.evaluation() == null) {
            throw new IllegalArgumentException("negative bank " + s.bankDir() + " has no evaluation part to measure"
                    + " false accepts per hour on");
        }
        HeldOutSpeech speech = new HeldOutSpeech(bank.evaluation(), 16);
        CachingSynthesizer synth = new CachingSynthesizer(MultiEngineSynth.defaults(), s.cacheDir());
        List<User> users = new ArrayList<>();
        for (int p = 0; p < s.phrases().size(); p++) {
            String phrase = s.phrases().get(p);
            say("own-word: '%s': synthesizing %d users (cache %s)", phrase, s.usersPerPhrase(), s.cacheDir());
            for (OwnWordBench.OwnUser u : OwnWordBench.users(
                    phrase,
                    s.usersPerPhrase(),
                    s.enrolment(),
                    s.holdout(),
                    s.seed() + 1000L * p,
                    synth,
                    line -> say("%s", line))) {
                users.add(new User(task(phrase) + "-" + u.speaker().id(), phrase, taskOf(phrase), u));
            }
        }
        Map<SyntheticClip, EmbeddingSequence> heldOut = new HashMap<>();
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(s.modelsDir())) {
            heldOut.putAll(OwnWordBench.embed(
                    backbone,
                    users.stream().flatMap(u -> u.own().holdout().stream()).toList()));
        }
        say("own-word: %d users; false accepts per hour are measured on %s", users.size(), speech);

        Path kafkaDir = s.workDir().resolve("kafka");
        Dirs.deleteRecursively(kafkaDir);
        say("own-word: starting Kafka (KRaft, single node) in %s", kafkaDir);
        List<HeadFigures> figures = new ArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.builder(kafkaDir).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(s.partitions());
            }
            Map<String, String> props = adapterProperties(bs);
            say(
                    s.phrasePerUser()
                            ? "own-word: starting the adapter with task %s from %s, whose phrase each user's samples"
                                    + " name: it synthesizes a phrase's near misses when a head first takes it, up to "
                                    + props.get(NEW_PHRASES_PER_BATCH) + " phrases per batch (" + NEW_PHRASES_PER_BATCH
                                    + "; the adapter's default is 2) (log %s)"
                            : "own-word: starting the adapter with tasks %s from %s, each synthesizing its phrase's"
                                    + " near misses (log %s)",
                    tasks(),
                    tasks().stream()
                            .map(t -> props.get("headstream.tasks." + t + ".source-head"))
                            .distinct()
                            .toList(),
                    s.workDir().resolve("adapter.log"));
            Files.deleteIfExists(s.workDir().resolve("adapter.log"));
            Map<String, SourceHead> sources = new ConcurrentHashMap<>();
            try (AdapterProcess adapter = AdapterProcess.start(
                                    s.adapterJar(), props, s.workDir().resolve("adapter.log"))
                            .awaitReady(Duration.ofMinutes(5));
                    HeadFollower<HeadCodec.Decoded> follower = new HeadFollower<>(
                                    bs,
                                    u -> HeadCodec.decode(
                                            u,
                                            sources.computeIfAbsent(
                                                    u.getProvenance().getSourceHeadId(),
                                                    id -> SourceHeads.resolve(id, s.modelsDir())
                                                            .head())))
                            .start();
                    SampleSender sender = new SampleSender(bs)) {
                int sent = 0;
                for (int checkpoint : s.checkpoints()) {
                    for (User u : users) {
                        for (int i = sent; i < checkpoint; i++) {
                            send(sender, u, u.own().enrolment().get(i), s.phrasePerUser());
                        }
                    }
                    sender.flush();
                    sent = checkpoint;
                    Map<String, Long> versions = awaitApplied(bs, users, checkpoint, adapter);
                    for (User u : users) {
                        HeadFollower.Versioned<HeadCodec.Decoded> v =
                                awaitVersion(follower, headId(u), versions.get(headId(u)), adapter);
                        figures.add(score(u, checkpoint, v, heldOut, speech));
                    }
                    Row all = Row.of(
                            "all",
                            checkpoint,
                            figures.stream()
                                    .filter(f -> f.clips() == checkpoint)
                                    .toList());
                    say(
                            "  after %d clips: recall %.3f, false accepts: %d in %.1f head-hours (%.2f per hour; worst"
                                    + " head %.2f), %d of %d heads held",
                            checkpoint,
                            all.recall(),
                            all.activations(),
                            all.headHours(),
                            all.perHour(),
                            all.worstPerHour(),
                            all.held(),
                            all.heads());
                }
            }
            List<Row> rows = rows(figures);
            print(rows);
            HeadReplay.Result replay = HeadReplay.run(bs, EngineSpec.fromProperties(props), Duration.ofSeconds(60));
            say(
                    "replay: %d heads rebuilt from headstream.samples in-process: %d bit-identical to the published ones%s",
                    replay.heads(),
                    replay.identical(),
                    replay.differences().isEmpty() ? "" : "; differences: " + replay.differences());
            write(figures, rows, replay, props, (System.nanoTime() - t0) / 1e9);
        }
        return figures;
    }

    private Map<String, String> adapterProperties(String bs) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("kafka.bootstrap.servers", bs);
        p.put("headstream.models-dir", s.modelsDir().toAbsolutePath().toString());
        p.put("headstream.instance-id", "demo-own-word");
        p.put("headstream.negative-bank.directory", s.bankDir().toAbsolutePath().toString());
        p.put("headstream.tasks.wake.source-head", "none");
        if (s.phrasePerUser()) {
            String k = "headstream.tasks." + PER_USER_TASK + ".";
            p.put(k + "source-head", "fresh:" + s.freshSeed());
            p.put(k + "phrase", EngineSpec.NearMissSpec.PER_USER);
            // every phrase's first samples may share a batch: let one batch make them all (the
            // default, 2, would refuse the rest CAPACITY for the producer to send again)
            p.put(NEW_PHRASES_PER_BATCH, String.valueOf(s.phrases().size()));
        } else {
            for (String phrase : s.phrases()) {
                String k = "headstream.tasks." + task(phrase) + ".";
                p.put(k + "source-head", "fresh:" + s.freshSeed());
                p.put(k + "phrase", phrase);
            }
        }
        p.putAll(s.adapterProperties());
        return p;
    }

    /** Sends one enrollment clip of {@code u}; with {@code namePhrase}, the sample names the user's phrase. */
    private static void send(SampleSender sender, User u, SyntheticClip c, boolean namePhrase) {
        Sample sample = Sample.newBuilder()
                .setSampleId(u.key() + "/" + c.sampleId())
                .setTenant(TENANT)
                .setUser(u.key())
                .setAudio(SampleRecords.audio(c.pcm()))
                .putLabels(u.task(), Label.newBuilder().setBinary(true).build())
                .setSplit(Split.SPLIT_TRAIN)
                .setPhrase(namePhrase ? u.phrase() : "")
                .build();
        sender.send(SampleRecords.key(TENANT, u.key()), sample.toByteArray());
    }

    private static String headId(User u) {
        return TENANT + "/" + u.key() + "/" + u.task();
    }

    /**
     * Waits until every user's metrics say {@code clips} of its samples were applied; returns, per
     * head, the offset of its newest sample (its newest metrics record's).
     */
    /** What the adapter rejected of the demo's samples (headstream.rejected), or null for nothing. */
    private static String rejections(String bs) {
        List<Rejected> rejected = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(bs, Topics.REJECTED, Duration.ofSeconds(5))) {
            try {
                rejected.add(Rejected.parseFrom(r.value()));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("headstream.rejected holds a record that is not a Rejected", e);
            }
        }
        if (rejected.isEmpty()) {
            return null;
        }
        Rejected first = rejected.get(0);
        return String.format(
                Locale.ROOT,
                "the adapter rejected %d of the demo's samples, so not every head can reach its clips; the first: %s"
                        + " %s (sample %s)",
                rejected.size(),
                first.getReason(),
                first.getMessage(),
                first.getSampleId());
    }

    private Map<String, Long> awaitApplied(String bs, List<User> users, int clips, AdapterProcess adapter)
            throws InterruptedException {
        long deadline = System.nanoTime() + s.timeout().toNanos();
        long lastReport = System.nanoTime();
        while (true) {
            Map<String, List<AdaptationMetrics>> byHead = MetricsTopic.byHead(bs);
            Map<String, Long> versions = new HashMap<>();
            for (User u : users) {
                List<AdaptationMetrics> ms = byHead.getOrDefault(headId(u), List.of());
                AdaptationMetrics m = ms.isEmpty() ? null : ms.get(ms.size() - 1);
                if (m != null && m.getSamplesSeen() >= clips) {
                    versions.put(headId(u), m.getLastOffset());
                }
            }
            if (versions.size() == users.size()) {
                return versions;
            }
            if (System.nanoTime() - lastReport > 10_000_000_000L) {
                say("  %d / %d heads have applied %d clips", versions.size(), users.size(), clips);
                lastReport = System.nanoTime();
                // a rejected sample is never applied: say why now instead of waiting out the timeout
                String rejected = rejections(bs);
                if (rejected != null) {
                    throw new IllegalStateException(rejected);
                }
            }
            if (!adapter.isAlive()) {
                throw new IllegalStateException("the adapter died:\n" + adapter.tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "clips not applied after " + s.timeout() + "; adapter log:\n" + adapter.tail());
            }
            Thread.sleep(1000);
        }
    }

    private HeadFollower.Versioned<HeadCodec.Decoded> awaitVersion(
            HeadFollower<HeadCodec.Decoded> follower, String headId, long lastOffset, AdapterProcess adapter)
            throws InterruptedException {
        long deadline = System.nanoTime() + s.timeout().toNanos();
        while (true) {
            // the version that applied the head's newest sample (nothing newer is sent before it is taken)
            Optional<HeadFollower.Versioned<HeadCodec.Decoded>> v = follower.current(headId);
            if (v.isPresent() && v.get().update().getProvenance().getLastOffset() >= lastOffset) {
                return v.get();
            }
            if (!adapter.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(headId + ": no version applied the sample at offset " + lastOffset
                        + "; adapter log:\n" + adapter.tail());
            }
            Thread.sleep(100);
        }
    }

    /** A consumer's view of the version: recall on the user's held-out clips, activations on the held-out speech. */
    private static HeadFigures score(
            User u,
            int clips,
            HeadFollower.Versioned<HeadCodec.Decoded> v,
            Map<SyntheticClip, EmbeddingSequence> heldOut,
            HeldOutSpeech speech) {
        HeadCodec.Decoded d = v.head();
        HeadUpdate update = v.update();
        ClipScorer scorer = new ClipScorer(d.head(), d.source(), 16);
        HoldoutEvaluator.HeadDetector detector =
                new HoldoutEvaluator.HeadDetector(scorer, d.trainable(), d.threshold(), v.version());
        int detected = 0;
        for (SyntheticClip c : u.own().holdout()) {
            detected += detector.score(heldOut.get(c)) >= d.threshold() ? 1 : 0;
        }
        return new HeadFigures(
                u.phrase(),
                u.key(),
                u.own().speaker().voice().id(),
                clips,
                v.version(),
                update.getHeldAtSource(),
                update.getStatusReason(),
                d.threshold(),
                u.own().holdout().size(),
                detected,
                speech.activations(detector, d.threshold()),
                speech.hours());
    }

    private List<Row> rows(List<HeadFigures> figures) {
        List<Row> rows = new ArrayList<>();
        for (String phrase : s.phrases()) {
            for (int c : s.checkpoints()) {
                rows.add(Row.of(
                        phrase,
                        c,
                        figures.stream()
                                .filter(f -> f.phrase().equals(phrase) && f.clips() == c)
                                .toList()));
            }
        }
        for (int c : s.checkpoints()) {
            rows.add(Row.of(
                    "all", c, figures.stream().filter(f -> f.clips() == c).toList()));
        }
        return rows;
    }

    private void print(List<Row> rows) {
        out.println();
        out.println("Own wake word through the service: each user's newest head after k enrollment clips, scored as a"
                + " consumer scores it (recall on the user's held-out clips; false accepts on held-out continuous"
                + " speech, every 80 ms):");
        out.println(String.format(
                Locale.ROOT,
                "%-14s %5s %6s %7s %11s %9s %14s %10s %11s",
                "phrase",
                "clips",
                "heads",
                "recall",
                "worst user",
                "accepts",
                "head-hours",
                "per hour",
                "worst head"));
        for (Row r : rows) {
            out.println(String.format(
                    Locale.ROOT,
                    "%-14s %5d %6d %7.3f %11.3f %9d %14.1f %10.2f %11.2f%s",
                    r.phrase(),
                    r.clips(),
                    r.heads(),
                    r.recall(),
                    r.worstRecall(),
                    r.activations(),
                    r.headHours(),
                    r.perHour(),
                    r.worstPerHour(),
                    r.held() == 0 ? "" : "  (" + r.held() + " held: accepting nothing)"));
        }
        out.println("(a held head is one the adapter does not yet trust: its version accepts nothing)");
        rows.stream()
                .filter(r -> r.phrase().equals("all") && r.clips() == TARGET_CLIPS)
                .findFirst()
                .ifPresent(r -> out.println(String.format(
                        Locale.ROOT,
                        "target (issue 18, after %d clips): recall %.3f %s %.1f: %s; %.2f false accepts per hour %s %.0f:"
                                + " %s (the mean over all heads; the worst head %.2f per hour)",
                        TARGET_CLIPS,
                        r.recall(),
                        r.recall() >= TARGET_RECALL ? ">=" : "<",
                        TARGET_RECALL,
                        r.recall() >= TARGET_RECALL ? "met" : "NOT met",
                        r.perHour(),
                        r.perHour() <= TARGET_PER_HOUR ? "<=" : ">",
                        TARGET_PER_HOUR,
                        r.perHour() <= TARGET_PER_HOUR ? "met" : "NOT met",
                        r.worstPerHour())));
        out.flush();
    }

    private void write(
            List<HeadFigures> figures,
            List<Row> rows,
            HeadReplay.Result replay,
            Map<String, String> props,
            double seconds)
            throws IOException {
        StringBuilder json = new StringBuilder("{\n");
        json.append(String.format(
                Locale.ROOT,
                "  \"scenario\": \"own-word\",\n  \"seed\": %d,\n  \"phrasePerUser\": %s,\n  \"sourceHeads\": %s,\n"
                        + "  \"phrases\": %s,\n"
                        + "  \"usersPerPhrase\": %d,\n  \"heldOutClipsPerUser\": %d,\n  \"checkpoints\": %s,\n"
                        + "  \"seconds\": %.1f,\n  \"replayIdentical\": %d,\n  \"replayHeads\": %d,\n  \"rows\": [\n",
                s.seed(),
                s.phrasePerUser(),
                s.phrases().stream()
                        .map(p -> "\"" + props.get("headstream.tasks." + taskOf(p) + ".source-head") + "\"")
                        .toList(),
                s.phrases().stream().map(p -> "\"" + p + "\"").toList(),
                s.usersPerPhrase(),
                s.holdout(),
                s.checkpoints(),
                seconds,
                replay.identical(),
                replay.heads()));
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            json.append(String.format(
                    Locale.ROOT,
                    "    {\"phrase\": \"%s\", \"clips\": %d, \"heads\": %d, \"held\": %d, \"recall\": %.4f,"
                            + " \"worstRecall\": %.4f, \"activations\": %d, \"headHours\": %.3f, \"perHour\": %.4f,"
                            + " \"worstPerHour\": %.4f}%s\n",
                    r.phrase(),
                    r.clips(),
                    r.heads(),
                    r.held(),
                    r.recall(),
                    r.worstRecall(),
                    r.activations(),
                    r.headHours(),
                    r.perHour(),
                    r.worstPerHour(),
                    i + 1 < rows.size() ? "," : ""));
        }
        json.append("  ],\n  \"heads\": [\n");
        for (int i = 0; i < figures.size(); i++) {
            HeadFigures f = figures.get(i);
            json.append(String.format(
                    Locale.ROOT,
                    "    {\"phrase\": \"%s\", \"user\": \"%s\", \"voice\": \"%s\", \"clips\": %d, \"version\": %d,"
                            + " \"held\": %b, \"reason\": \"%s\", \"threshold\": %.6f, \"detected\": %d, \"positives\": %d,"
                            + " \"activations\": %d, \"hours\": %.4f}%s\n",
                    f.phrase(),
                    f.user(),
                    f.voice(),
                    f.clips(),
                    f.version(),
                    f.held(),
                    f.reason().replace("\\", "\\\\").replace("\"", "\\\""),
                    f.threshold(),
                    f.detected(),
                    f.positives(),
                    f.activations(),
                    f.hours(),
                    i + 1 < figures.size() ? "," : ""));
        }
        json.append("  ]\n}\n");
        Path jsonFile = s.workDir().resolve("own-word-result.json");
        Files.writeString(jsonFile, json);
        int[] xs = s.checkpoints().stream().mapToInt(Integer::intValue).toArray();
        Map<String, double[]> recall = new LinkedHashMap<>();
        Map<String, double[]> perHour = new LinkedHashMap<>();
        List<String> series = new ArrayList<>(List.of("all"));
        series.addAll(s.phrases());
        for (String phrase : series) {
            recall.put(phrase, new double[xs.length]);
            perHour.put(phrase, new double[xs.length]);
        }
        for (Row r : rows) {
            int at = s.checkpoints().indexOf(r.clips());
            recall.get(r.phrase())[at] = r.recall();
            perHour.get(r.phrase())[at] = r.perHour();
        }
        double maxPerHour = Math.max(
                1.5,
                perHour.values().stream().flatMapToDouble(Arrays::stream).max().orElse(0) * 1.1);
        // issue 18's target after 8 clips, drawn flat across the counts
        double[] recallTarget = new double[xs.length];
        double[] perHourTarget = new double[xs.length];
        Arrays.fill(recallTarget, TARGET_RECALL);
        Arrays.fill(perHourTarget, TARGET_PER_HOUR);
        recall.put("target at 8 clips", recallTarget);
        perHour.put("target at 8 clips", perHourTarget);
        Path png = s.workDir().resolve("own-word.png");
        LinePlot.write(
                png,
                "Own wake word through the service: fresh-start heads with synthesized near misses"
                        + (s.phrasePerUser() ? " (one task, a phrase per user)" : " (a task per phrase)"),
                "enrollment clips",
                xs,
                List.of(
                        new LinePlot.Panel("recall on held-out clips", "recall", 0, 1, recall),
                        new LinePlot.Panel(
                                "false accepts per hour of held-out speech", "per hour", 0, maxPerHour, perHour)),
                false);
        say("own-word: done in %.0f s; %s and %s", seconds, jsonFile, png);
    }

    private void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }
}
