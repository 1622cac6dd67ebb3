package dev.headstream.tools.speakers;

import dev.headstream.cli.Dirs;
import dev.headstream.cli.replay.HeadReplay;
import dev.headstream.client.SampleSender;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.embed.MelCepstrumPooling;
import dev.headstream.core.head.HeadLayer;
import dev.headstream.core.head.InputTransform;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.runtime.speech.ClipAssembler;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadScore;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.schemas.v1.Split;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import dev.headstream.testkit.synth.CachingSynthesizer;
import dev.headstream.testkit.synth.MultiEngineSynth;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.VoiceCatalog;
import dev.headstream.tools.bench.LinePlot;
import dev.headstream.tools.demo.MetricsTopic;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code demo --scenario speakers}: who spoke, per household, through the service. Each household
 * (key {@code home/<household>}) gets one head of a multi-class task {@value #TASK} with one class
 * per member slot ({@code member-1} ... {@code member-6}). Members are distinct synthetic speakers
 * (the USERS part of the voice catalog, as {@code bench-speakers} draws them); each says
 * {@code enroll} enrollment clips (training samples labeled with their slot) and {@code test}
 * held-out clips of other everyday phrases. Enrollment goes round by round, one clip per member
 * per round; after the rounds in {@code checkpoints} every member's held-out clips are sent again as
 * holdout samples, which the adapter scores (never trains on) with the household's head as it is at
 * that point. Identification accuracy after {@code k} enrollment clips per member is read back from
 * the adapter's own metrics records ({@code adapted_holdout}); the start head's figure
 * ({@code source_holdout}, a head that ranks every class alike) stands beside it. The heads are then
 * replayed from the samples topic and compared bit for bit.
 *
 * <p>Open-set rejection (an unknown voice as "nobody") is not part of the service's class heads:
 * the scenario says so rather than report a figure for it.
 */
public final class SpeakersDemo {

    /** The task name. */
    public static final String TASK = "speaker";

    /** The household heads read the voice: the front end's cepstra, not the embeddings' words. */
    public static final String DEFAULT_POOLING = MelCepstrumPooling.NAME;

    private static final String POOLING_KEY = "headstream.tasks." + TASK + ".pooling";

    /**
     * The key of the task's input transform. Unset, a {@code mel-cepstrum} task reads through the
     * speaker transform of {@code ./headstream setup} ({@link SpeakerTransforms#DEFAULT_FILE}, built
     * first when missing); {@value #NO_TRANSFORM} reads without one.
     */
    public static final String TRANSFORM_KEY = "headstream.tasks." + TASK + ".input-transform";

    /** The household heads' hidden width: none, a linear head (LayerNorm, then Dense to the members). */
    public static final int DEFAULT_HIDDEN = 0;

    /** {@link #TRANSFORM_KEY}'s value for no transform. */
    public static final String NO_TRANSFORM = "none";

    /** The tenant of every household. */
    public static final String TENANT = "home";

    /** Most members a household has (and the task's classes). */
    public static final int MAX_MEMBERS = 6;

    /**
     * What to run.
     *
     * @param sizes        household sizes (2 to {@link #MAX_MEMBERS})
     * @param perSize      households of each size
     * @param enroll       enrollment clips per member
     * @param test         held-out clips per member
     * @param checkpoints  enrollment rounds after which the held-out clips are scored, ascending, the
     *                     last one {@code enroll}
     */
    public record Settings(
            Path modelsDir,
            Path adapterJar,
            Path workDir,
            Path cacheDir,
            long seed,
            List<Integer> sizes,
            int perSize,
            int enroll,
            int test,
            List<Integer> checkpoints,
            int partitions,
            Duration timeout,
            Map<String, String> adapterProperties) {

        public Settings {
            sizes = List.copyOf(sizes);
            checkpoints = List.copyOf(checkpoints);
            adapterProperties = Map.copyOf(adapterProperties);
            for (int s : sizes) {
                if (s < 2 || s > MAX_MEMBERS) {
                    throw new IllegalArgumentException("household sizes are 2 to " + MAX_MEMBERS + ", got " + s);
                }
            }
            if (perSize < 1 || enroll < 1 || test < 1) {
                throw new IllegalArgumentException("households per size, enrollment and held-out clips must be >= 1");
            }
            for (int i = 0; i < checkpoints.size(); i++) {
                if (checkpoints.get(i) < 1
                        || checkpoints.get(i) > enroll
                        || (i > 0 && checkpoints.get(i) <= checkpoints.get(i - 1))) {
                    throw new IllegalArgumentException(
                            "checkpoints must ascend within 1.." + enroll + ": " + checkpoints);
                }
            }
            if (checkpoints.isEmpty() || checkpoints.get(checkpoints.size() - 1) != enroll) {
                throw new IllegalArgumentException("the last checkpoint must be the enrollment count " + enroll);
            }
        }
    }

    /** One member's rendered clips: enrollment first, then held-out. */
    private record Member(String household, int slot, String group, List<short[]> enroll, List<short[]> test) {}

    /**
     * Accuracy of one household size after each checkpoint.
     *
     * @param correct per checkpoint, held-out clips identified right by the adapted heads
     * @param start   per checkpoint, by the start heads
     * @param clips   per checkpoint, held-out clips scored
     */
    public record Row(int size, int households, long[] correct, long[] start, long[] clips) {}

    private final Settings s;
    private final PrintWriter out;

    /** The transform the task reads through, once {@link #run} has found or built it; null: none. */
    private InputTransform transform;

    private Path transformFile;

    public SpeakersDemo(Settings settings, PrintWriter out) {
        this.s = settings;
        this.out = out;
    }

    /** Runs the scenario; returns the rows, one per household size. */
    public List<Row> run() throws Exception {
        long t0 = System.nanoTime();
        Files.createDirectories(s.workDir());
        VoiceCatalog catalog = VoiceCatalog.standard();
        List<String> pool =
                List.copyOf(ClipPlan.groups(catalog, ClipPlan.Role.MEMBER).keySet());
        List<Households.Household> households = new ArrayList<>();
        for (int size : s.sizes()) {
            if (size > pool.size()) {
                throw new IllegalArgumentException("households of " + size + " need " + size
                        + " distinct speakers; the voice catalog's USERS part has " + pool.size());
            }
            households.addAll(Households.draw(pool, size, s.perSize(), s.seed()));
        }
        ClipPlan plan = ClipPlan.of(catalog, s.seed(), households, s.enroll(), s.test(), 0, 0, 0);
        List<SpeakerSpeech.PlannedClip> planned = plan.clips().get(ClipPlan.Role.MEMBER);
        say(
                "speakers: %d households of sizes %s (%d of each), %d members, %d clips to synthesize (%d enrollment +"
                        + " %d held-out per member; cache %s)",
                households.size(),
                s.sizes(),
                s.perSize(),
                households.stream().mapToInt(Households.Household::size).sum(),
                planned.size(),
                s.enroll(),
                s.test(),
                s.cacheDir());
        List<short[]> pcm = render(planned);
        findTransform();
        List<Member> members = new ArrayList<>();
        int at = 0;
        for (Households.Household h : households) {
            for (int m = 0; m < h.size(); m++) {
                members.add(new Member(
                        h.id(),
                        m,
                        h.members().get(m),
                        pcm.subList(at, at + s.enroll()),
                        pcm.subList(at + s.enroll(), at + s.enroll() + s.test())));
                at += s.enroll() + s.test();
            }
        }
        Path kafkaDir = s.workDir().resolve("kafka");
        Dirs.deleteRecursively(kafkaDir);
        say("speakers: starting Kafka (KRaft, single node) in %s", kafkaDir);
        try (EmbeddedKafka kafka = EmbeddedKafka.builder(kafkaDir).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(s.partitions());
            }
            Map<String, String> props = adapterProperties(bs);
            say(
                    "speakers: broker at %s; starting the adapter with task '%s' (multi-class, %d member slots, log %s)",
                    bs, TASK, MAX_MEMBERS, s.workDir().resolve("adapter.log"));
            Files.deleteIfExists(s.workDir().resolve("adapter.log"));
            try (AdapterProcess adapter = AdapterProcess.start(
                                    s.adapterJar(), props, s.workDir().resolve("adapter.log"))
                            .awaitReady(Duration.ofMinutes(3));
                    SampleSender sender = new SampleSender(bs)) {
                int round = 0;
                for (int checkpoint : s.checkpoints()) {
                    for (; round < checkpoint; round++) {
                        for (Member m : members) {
                            send(sender, m, "enroll", round, m.enroll().get(round), Split.SPLIT_TRAIN, 0);
                        }
                    }
                    for (Member m : members) {
                        for (int i = 0; i < s.test(); i++) {
                            send(sender, m, "test", i, m.test().get(i), Split.SPLIT_HOLDOUT, checkpoint);
                        }
                    }
                }
                sender.flush();
                say("speakers: streamed %d records; waiting for the adapter to score them", sender.sent());
                awaitScored(bs, households, adapter);
            }
            List<Row> rows = rows(bs, households);
            print(rows);
            HeadReplay.Result replay = HeadReplay.run(bs, EngineSpec.fromProperties(props), Duration.ofSeconds(60));
            say(
                    "replay: %d heads rebuilt from headstream.samples in-process: %d bit-identical to the published ones%s",
                    replay.heads(),
                    replay.identical(),
                    replay.differences().isEmpty() ? "" : "; differences: " + replay.differences());
            Published published = published(bs, transform);
            say(
                    "heads: %d versions published on %s, pooling %s, %s values in, %d of them through the input"
                            + " transform",
                    published.versions(),
                    Topics.HEADS,
                    published.poolings(),
                    published.inputWidths(),
                    published.throughTransform());
            write(rows, replay, published, (System.nanoTime() - t0) / 1e9);
            return rows;
        }
    }

    /** The task's input transform: as configured, none, or the default one (built when not up to date). */
    private void findTransform() throws java.io.IOException {
        String configured = s.adapterProperties().get(TRANSFORM_KEY);
        if (NO_TRANSFORM.equals(configured) || (configured == null && !pooling().equals(DEFAULT_POOLING))) {
            say("speakers: the household heads read %s statistics without an input transform", pooling());
            return;
        }
        if (configured == null) {
            transformFile =
                    s.modelsDir().resolve(SpeakerTransforms.DEFAULT_FILE).toAbsolutePath();
            if (Files.exists(transformFile)) {
                // never rebuilt here: a changed file would restart the heads of an adapter that reads it
                transform = InputTransform.read(transformFile);
                if (!SpeakerTransforms.upToDate(
                        transformFile,
                        VoiceCatalog.standard(),
                        SpeakerTransforms.DEFAULT_SEED,
                        SpeakerTransforms.DEFAULT_CLIPS)) {
                    say(
                            "speakers: note: %s was not built by the default recipe (%s); using it as it is",
                            transformFile, transform.description());
                }
            } else {
                transform = SpeakerTransformCommand.build(
                        s.modelsDir(),
                        s.cacheDir(),
                        transformFile,
                        SpeakerTransforms.DEFAULT_SEED,
                        SpeakerTransforms.DEFAULT_CLIPS,
                        2,
                        false,
                        out);
            }
        } else {
            transformFile = s.modelsDir().resolve(configured).toAbsolutePath();
            transform = InputTransform.read(transformFile);
        }
        say("speakers: the household heads read %s statistics through %s (%s)", pooling(), transform, transformFile);
    }

    private Map<String, String> adapterProperties(String bs) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("kafka.bootstrap.servers", bs);
        p.put("headstream.models-dir", s.modelsDir().toAbsolutePath().toString());
        p.put("headstream.instance-id", "demo-speakers");
        p.put("headstream.negative-bank.enabled", "false");
        p.put("headstream.tasks.wake.source-head", "none");
        p.put("headstream.tasks." + TASK + ".kind", "multi-class");
        List<String> slots = new ArrayList<>();
        for (int m = 1; m <= MAX_MEMBERS; m++) {
            slots.add("member-" + m);
        }
        p.put("headstream.tasks." + TASK + ".labels", String.join(",", slots));
        p.put("headstream.tasks." + TASK + ".start", "fresh:" + s.seed());
        p.put(POOLING_KEY, DEFAULT_POOLING);
        // a linear head on the (transformed) statistics: chosen on the seed-7 development draw
        // (docs/speakers/README.md#in-the-service)
        p.put("headstream.tasks." + TASK + ".hidden", String.valueOf(DEFAULT_HIDDEN));
        p.putAll(s.adapterProperties());
        p.remove(TRANSFORM_KEY);
        if (transformFile != null) {
            p.put(TRANSFORM_KEY, transformFile.toString());
            // pinned, as docs/configuration.md advises: the adapter refuses any other file
            p.putIfAbsent(TRANSFORM_KEY + "-sha256", transform.sha256());
        }
        return p;
    }

    /** The heads' hidden width: {@value #DEFAULT_HIDDEN} unless an adapter property says otherwise. */
    String hidden() {
        return s.adapterProperties()
                .getOrDefault("headstream.tasks." + TASK + ".hidden", String.valueOf(DEFAULT_HIDDEN));
    }

    /** The task's pooling: {@value #DEFAULT_POOLING} unless an adapter property says otherwise. */
    String pooling() {
        return s.adapterProperties().getOrDefault(POOLING_KEY, DEFAULT_POOLING);
    }

    private static void send(
            SampleSender sender, Member m, String role, int index, short[] pcm, Split split, int checkpoint) {
        String id = String.format(
                Locale.ROOT,
                "%s/%s/%s/%02d%s",
                m.household(),
                m.group(),
                role,
                index,
                split == Split.SPLIT_HOLDOUT ? "@" + checkpoint : "");
        Sample sample = Sample.newBuilder()
                .setSampleId(id)
                .setTenant(TENANT)
                .setUser(m.household())
                .setAudio(SampleRecords.audio(pcm))
                .putLabels(TASK, Label.newBuilder().setClassIndex(m.slot()).build())
                .setSplit(split)
                .build();
        sender.send(SampleRecords.key(TENANT, m.household()), sample.toByteArray());
    }

    /** Synthesis on two threads, then each clip assembled (placement, level, noise) as the benches do. */
    private List<short[]> render(List<SpeakerSpeech.PlannedClip> planned) throws InterruptedException {
        CachingSynthesizer synth = new CachingSynthesizer(MultiEngineSynth.defaults(), s.cacheDir());
        ClipAssembler assembler = new ClipAssembler(ClipAssembler.Settings.defaults());
        ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "speakers-synth");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<short[]>> speech = new ArrayList<>();
            for (SpeakerSpeech.PlannedClip c : planned) {
                speech.add(threads.submit(() -> synth.synthesize(c.request())));
            }
            List<short[]> out = new ArrayList<>(planned.size());
            long start = System.nanoTime();
            for (int i = 0; i < planned.size(); i++) {
                SpeakerSpeech.PlannedClip c = planned.get(i);
                try {
                    out.add(assembler
                            .assemble(speech.get(i).get(), c.assemblySeed())
                            .pcm());
                } catch (ExecutionException e) {
                    throw new IllegalStateException("cannot synthesize " + c.key(), e.getCause());
                }
                if ((i + 1) % 100 == 0 || i + 1 == planned.size()) {
                    say(
                            "  clips %d / %d synthesized (%.0f s)",
                            i + 1, planned.size(), (System.nanoTime() - start) / 1e9);
                }
            }
            return out;
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * Waits until every household's metrics say all its samples were scored: per member its
     * enrollment clips and its held-out clips once per checkpoint.
     */
    private void awaitScored(String bs, List<Households.Household> households, AdapterProcess adapter)
            throws InterruptedException {
        long perMember = (long) s.enroll() + (long) s.test() * s.checkpoints().size();
        long deadline = System.nanoTime() + s.timeout().toNanos();
        long lastReport = 0;
        while (true) {
            Map<String, Long> seen = new HashMap<>();
            for (AdaptationMetrics m : MetricsTopic.byHead(bs).values().stream()
                    .flatMap(List::stream)
                    .toList()) {
                seen.merge(m.getHeadId(), m.getSamplesSeen(), Math::max);
            }
            long done = households.stream()
                    .filter(h -> seen.getOrDefault(headId(h), 0L) >= perMember * h.size())
                    .count();
            long scored = seen.values().stream().mapToLong(Long::longValue).sum();
            if (done == households.size()) {
                say("  %d/%d households complete, %d samples scored", done, households.size(), scored);
                return;
            }
            if (System.nanoTime() - lastReport > 5_000_000_000L) {
                say("  %d/%d households complete, %d samples scored", done, households.size(), scored);
                lastReport = System.nanoTime();
            }
            if (!adapter.isAlive()) {
                throw new IllegalStateException("the adapter died:\n" + adapter.tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "samples not scored after " + s.timeout() + "; adapter log:\n" + adapter.tail());
            }
            Thread.sleep(1000);
        }
    }

    private static String headId(Households.Household h) {
        return TENANT + "/" + h.id() + "/" + TASK;
    }

    /**
     * Per household size and checkpoint: the held-out clips scored and identified right, from the
     * holdout sums of each household's metrics at the end of each checkpoint's held-out clips.
     */
    private List<Row> rows(String bs, List<Households.Household> households) {
        Map<String, List<AdaptationMetrics>> byHead = MetricsTopic.byHead(bs);
        Map<Integer, Row> rows = new TreeMap<>();
        int k = s.checkpoints().size();
        for (Households.Household h : households) {
            List<AdaptationMetrics> ms = byHead.get(headId(h));
            long[] correct = new long[k];
            long[] start = new long[k];
            long[] clips = new long[k];
            long beforeA = 0;
            long beforeS = 0;
            long beforeN = 0;
            for (int c = 0; c < k; c++) {
                long want = (long) (c + 1) * s.test() * h.size();
                AdaptationMetrics at = ms.stream()
                        .filter(m -> m.getAdaptedHoldout().getCount() == want)
                        .reduce((a, b) -> b)
                        .orElseThrow(() -> new IllegalStateException(
                                headId(h) + ": no metrics record with " + want + " held-out clips scored"));
                long a = right(at.getAdaptedHoldout());
                long st = right(at.getSourceHoldout());
                correct[c] = a - beforeA;
                start[c] = st - beforeS;
                clips[c] = want - beforeN;
                beforeA = a;
                beforeS = st;
                beforeN = want;
            }
            rows.merge(
                    h.size(),
                    new Row(h.size(), 1, correct, start, clips),
                    (x, y) -> new Row(
                            x.size(),
                            x.households() + 1,
                            add(x.correct(), y.correct()),
                            add(x.start(), y.start()),
                            add(x.clips(), y.clips())));
        }
        return List.copyOf(rows.values());
    }

    /** Held-out clips identified right: the score's accuracy times its count (exact: accuracy is right / count). */
    private static long right(HeadScore score) {
        return Math.round(score.getAccuracy() * score.getCount());
    }

    private static long[] add(long[] a, long[] b) {
        long[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += b[i];
        }
        return out;
    }

    private void print(List<Row> rows) {
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-9s %-10s", "members", "households"));
        for (int c : s.checkpoints()) {
            header.append(String.format(Locale.ROOT, " %11s", "after " + c));
        }
        header.append(String.format(Locale.ROOT, " %12s", "start head"));
        out.println();
        out.println("Who spoke: identification accuracy on held-out clips of the household's members, scored by the"
                + " adapter (holdout samples, never trained on), after k enrollment clips per member; pooling "
                + pooling() + (transform == null ? "" : " through the speaker transform") + ", hidden " + hidden()
                + ":");
        out.println(header);
        for (Row r : rows) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-9d %-10d", r.size(), r.households()));
            for (int c = 0; c < s.checkpoints().size(); c++) {
                line.append(String.format(Locale.ROOT, " %11.3f", r.correct()[c] / (double) r.clips()[c]));
            }
            int last = s.checkpoints().size() - 1;
            line.append(String.format(Locale.ROOT, " %12.3f", r.start()[last] / (double) r.clips()[last]));
            out.println(line);
        }
        out.println("(start head: the fresh head every household starts from ranks every member alike: 1 / members."
                + " Outside voices are not rejected as \"nobody\": the service's class heads have no open-set"
                + " threshold yet, see docs/speakers.)");
        out.flush();
    }

    /** What the published versions of the task's heads say they read: their poolings and input widths. */
    record Published(
            int versions,
            java.util.SortedSet<String> poolings,
            java.util.SortedSet<Integer> inputWidths,
            int throughTransform) {}

    /** The published versions; {@code throughTransform} counts those whose first layer is {@code transform}'s, bit for bit. */
    private static Published published(String bs, InputTransform transform) throws IOException {
        java.util.SortedSet<String> poolings = new java.util.TreeSet<>();
        java.util.SortedSet<Integer> widths = new java.util.TreeSet<>();
        int versions = 0;
        int throughTransform = 0;
        for (org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r :
                dev.headstream.client.TopicReader.readAll(bs, Topics.HEADS, Duration.ofSeconds(30))) {
            if (r.value() == null) {
                continue;
            }
            HeadUpdate u = HeadUpdate.parseFrom(r.value());
            if (!u.getTask().equals(TASK)) {
                continue;
            }
            versions++;
            poolings.add(u.getSpec().getPooling());
            widths.add(u.getSpec().getInputShapeCount() == 1 ? u.getSpec().getInputShape(0) : -1);
            if (transform != null && HeadCodec.isClassSpec(u.getSpec())) {
                HeadCodec.DecodedClass d = HeadCodec.decodeClass(u);
                float[] w = transform.weights();
                float[] b = transform.bias();
                float[] first = java.util.Arrays.copyOfRange(d.parameters(), 0, w.length + b.length);
                float[] expected = java.util.Arrays.copyOf(w, w.length + b.length);
                System.arraycopy(b, 0, expected, w.length, b.length);
                if (d.architecture()
                                .layers()
                                .get(0)
                                .equals(new HeadLayer.Dense(transform.inputs(), transform.outputs()))
                        && java.util.Arrays.equals(first, expected)
                        && u.getSpec().getTrainableTopLayers()
                                == d.architecture().parameterisedLayerCount() - 1) {
                    throughTransform++;
                }
            }
        }
        return new Published(versions, poolings, widths, throughTransform);
    }

    private void write(List<Row> rows, HeadReplay.Result replay, Published published, double seconds)
            throws IOException {
        StringBuilder json = new StringBuilder("{\n");
        json.append(String.format(
                Locale.ROOT,
                "  \"scenario\": \"speakers\",\n  \"pooling\": \"%s\",\n  \"seed\": %d,\n"
                        + "  \"enrollmentClipsPerMember\": %d,\n"
                        + "  \"heldOutClipsPerMember\": %d,\n  \"checkpoints\": %s,\n  \"seconds\": %.1f,\n"
                        + "  \"replayIdentical\": %d,\n  \"replayHeads\": %d,\n  \"publishedVersions\": %d,\n"
                        + "  \"publishedPoolings\": %s,\n  \"publishedInputWidths\": %s,\n"
                        + "  \"inputTransform\": \"%s\",\n  \"publishedThroughTransform\": %d,\n  \"hidden\": %s,\n"
                        + "  \"rows\": [\n",
                pooling(),
                s.seed(),
                s.enroll(),
                s.test(),
                s.checkpoints(),
                seconds,
                replay.identical(),
                replay.heads(),
                published.versions(),
                published.poolings().stream().map(p -> "\"" + p + "\"").toList(),
                published.inputWidths(),
                transform == null ? NO_TRANSFORM : "sha256:" + transform.sha256(),
                published.throughTransform(),
                hidden()));
        Map<String, double[]> series = new LinkedHashMap<>();
        int[] xs = s.checkpoints().stream().mapToInt(Integer::intValue).toArray();
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            double[] acc = new double[xs.length];
            for (int c = 0; c < xs.length; c++) {
                acc[c] = r.correct()[c] / (double) r.clips()[c];
            }
            series.put(r.size() + " members", acc);
            json.append(String.format(
                    Locale.ROOT,
                    "    {\"members\": %d, \"households\": %d, \"accuracy\": %s, \"startAccuracy\": %.4f,"
                            + " \"heldOutClips\": %d}%s\n",
                    r.size(),
                    r.households(),
                    java.util.Arrays.toString(java.util.Arrays.stream(acc)
                            .map(v -> Math.round(v * 10000) / 10000.0)
                            .toArray()),
                    r.start()[xs.length - 1] / (double) r.clips()[xs.length - 1],
                    r.clips()[xs.length - 1],
                    i + 1 < rows.size() ? "," : ""));
        }
        json.append("  ]\n}\n");
        Path jsonFile = s.workDir().resolve("speakers-result.json");
        Files.writeString(jsonFile, json);
        Path png = s.workDir().resolve("speakers-accuracy.png");
        LinePlot.write(
                png,
                "Who spoke: the adapter's household heads (" + pooling()
                        + (transform == null ? "" : " + speaker transform") + ")",
                "enrollment clips per member",
                xs,
                List.of(new LinePlot.Panel("held-out clips of members", "accuracy", 0, 1, series)),
                false);
        say("speakers: done in %.0f s; %s and %s", seconds, jsonFile, png);
    }

    private void say(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }
}
