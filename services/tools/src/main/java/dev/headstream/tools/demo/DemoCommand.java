package dev.headstream.tools.demo;

import dev.headstream.cli.Dirs;
import dev.headstream.cli.replay.HeadReplay;
import dev.headstream.client.HeadFollower;
import dev.headstream.client.HeadKeys;
import dev.headstream.client.SampleSender;
import dev.headstream.client.TopicReader;
import dev.headstream.core.adapt.task.HeadMonitors;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.WakePhrase;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.core.wire.SampleFile;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.Rejected;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import dev.headstream.tools.bank.BankCommand;
import dev.headstream.tools.bench.HeldOutSpeech;
import dev.headstream.tools.bench.HoldoutEvaluator;
import dev.headstream.tools.bench.HoldoutTable;
import dev.headstream.tools.bench.QuietBench;
import dev.headstream.tools.ownword.OwnWordDemo;
import dev.headstream.tools.speakers.SpeakersDemo;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The end-to-end demo: a real Kafka broker (KRaft, child JVM), the adapter service (child JVM) in
 * its default configuration (negative bank, no reference set), held-out synthetic users streamed
 * as labeled clips, and a consumer that hot-swaps each user's newest head and reports source-head
 * vs adapted-head holdout recall, false-accepted clips and false accepts per hour of held-out
 * continuous speech (the bank's evaluation part: voices in no other part and in no user).
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Embedded Kafka + adapter + synthetic users; prints what per-user adaptation achieved.")
public final class DemoCommand implements Callable<Integer> {

    /**
     * Share of near misses ("hey jarvin", "hey travis", ...) in the operator's rehearsal reference
     * set: a reference set curated to cover confusable phrases keeps adapted heads from accepting
     * them (docs/sweep); users' own negatives hold at most 10 %.
     */
    static final double REFERENCE_NEAR_MISSES = 0.5;

    private static final String TENANT = "demo";
    private static final String TASK = "wake";

    @Spec
    CommandSpec spec;

    @Option(
            names = "--models-dir",
            defaultValue = "${sys:headstream.home:-.}/.models",
            description = "Verified openWakeWord models (default ${DEFAULT-VALUE}).")
    Path modelsDir;

    @Option(
            names = "--adapter-jar",
            defaultValue = "services/adapter/target/quarkus-app/quarkus-run.jar",
            description = "The adapter's quarkus-run.jar (default ${DEFAULT-VALUE}).")
    Path adapterJar;

    @Option(
            names = "--work-dir",
            defaultValue = "${sys:headstream.home:-.}/.run/demo",
            description = "Broker data, logs and results (default ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(
            names = "--cache-dir",
            defaultValue = "${sys:headstream.home:-.}/.run/synth-cache",
            description = "Synthesized speech cache (default ${DEFAULT-VALUE}).")
    Path cacheDir;

    @Option(names = "--users", defaultValue = "10", description = "Users to stream (default ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--candidates",
            defaultValue = "100",
            description =
                    "Synthetic users generated; streamed are the first --users for whom the source head is poor on their own holdout clips (default ${DEFAULT-VALUE}).")
    int candidates;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Seed of the synthetic population (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--train",
            defaultValue = "12",
            description =
                    "Training clips per label per user (default ${DEFAULT-VALUE} positives + ${DEFAULT-VALUE} negatives).")
    int train;

    @Option(
            names = "--holdout",
            defaultValue = "20",
            description = "Holdout clips per label per user (default ${DEFAULT-VALUE}).")
    int holdout;

    @Option(
            names = "--background-speakers",
            defaultValue = "0",
            description = "Other speakers whose negatives form an operator's rehearsal reference set, 16 clips each; "
                    + "0 = none, as the default configuration (default ${DEFAULT-VALUE}).")
    int backgroundSpeakers;

    @Option(
            names = "--negative-bank",
            description = "The negative bank (default <models-dir>/negative-bank, built by "
                    + "./headstream setup; the demo builds it when missing).")
    Path negativeBank;

    @Option(
            names = "--adapter-property",
            paramLabel = "KEY=VALUE",
            description =
                    "Extra configuration for the adapter, e.g. headstream.tasks.wake.replay-steps=10 (repeatable).")
    Map<String, String> adapterProperties = new LinkedHashMap<>();

    @Option(
            names = "--partitions",
            defaultValue = "4",
            description = "Partitions of headstream.samples (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(
            names = "--timeout",
            defaultValue = "PT15M",
            description = "Give up waiting for heads after this ISO-8601 duration (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(
            names = "--scenario",
            defaultValue = "wake",
            description = "wake: per-user wake-word heads (the default); speakers: who spoke, a multi-class head per"
                    + " household trained from its members' clips; own-word: a user's own wake word, fresh-start heads"
                    + " with the service's synthesized near misses (default ${DEFAULT-VALUE}).")
    String scenario;

    @Option(names = "--households", description = "speakers: households of each size 2 to 6 (default 2).")
    Integer households;

    @Option(
            names = "--phrase",
            paramLabel = "PHRASE",
            description = "own-word: a new wake phrase, repeatable (default: okay nova, hey marble, wake up luna,"
                    + " hello sunny); 4 users each.")
    List<String> phrases = new ArrayList<>();

    @Option(
            names = "--phrase-per-user",
            description = "own-word: one task whose phrase each user names in their samples"
                    + " (headstream.tasks.own-word.phrase=per-user) instead of a task per phrase.")
    boolean phrasePerUser;

    /** The fresh start of the own-word scenario's tasks (the seed {@code bench-own-word}'s main run chose the recipe on). */
    static final long OWN_WORD_FRESH_SEED = 7;

    /** The longest --phrase the own-word demo takes: it names tasks and user keys after it. */
    static final int OWN_WORD_MAX_PHRASE_CHARS = 40;

    /** Options the own-word scenario does not read. */
    private static final List<String> OWN_WORD_IGNORES =
            List.of("--users", "--candidates", "--train", "--holdout", "--background-speakers");

    /** The bank: --negative-bank, else the default one, built here when missing or made by another recipe. */
    private Path defaultBankIfMissing() throws Exception {
        Path bankDir = negativeBank != null ? negativeBank : BankCommand.defaultDir(modelsDir);
        if (negativeBank == null) {
            BankCommand.build(
                    bankDir,
                    modelsDir,
                    BankCommand.TRAIN_HOURS,
                    BankCommand.CALIBRATION_HOURS,
                    BankCommand.EVALUATION_HOURS,
                    BankCommand.SEED,
                    2,
                    System.out);
        }
        return bankDir;
    }

    /** Refuses the own-word scenario's options in {@code scenario}. */
    private void ownWordOnly(String scenario) {
        if (!phrases.isEmpty() || phrasePerUser) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--phrase and --phrase-per-user go with --scenario own-word, not --scenario " + scenario);
        }
    }

    /** Options of the wake scenario that the speakers scenario does not read. */
    private static final List<String> WAKE_ONLY =
            List.of("--users", "--candidates", "--train", "--holdout", "--background-speakers", "--negative-bank");

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        var parsed = spec.commandLine().getParseResult();
        switch (scenario) {
            case "wake" -> {
                if (households != null) {
                    throw new ParameterException(spec.commandLine(), "--households goes with --scenario speakers");
                }
                ownWordOnly("wake");
            }
            case "speakers" -> {
                List<String> ignored =
                        WAKE_ONLY.stream().filter(parsed::hasMatchedOption).toList();
                if (!ignored.isEmpty()) {
                    throw new ParameterException(
                            spec.commandLine(), ignored + " apply to the wake scenario, not to --scenario speakers");
                }
                ownWordOnly("speakers");
                int households = this.households == null ? 2 : this.households;
                if (households < 1) {
                    throw new ParameterException(spec.commandLine(), "--households must be at least 1");
                }
                new SpeakersDemo(
                                new SpeakersDemo.Settings(
                                        modelsDir,
                                        adapterJar,
                                        workDir.resolveSibling(workDir.getFileName() + "-speakers"),
                                        cacheDir,
                                        seed,
                                        List.of(2, 3, 4, 5, 6),
                                        households,
                                        10,
                                        10,
                                        List.of(1, 2, 3, 5, 10),
                                        partitions,
                                        timeout,
                                        adapterProperties),
                                out)
                        .run();
                return 0;
            }
            case "own-word" -> {
                List<String> ignored = OWN_WORD_IGNORES.stream()
                        .filter(parsed::hasMatchedOption)
                        .toList();
                if (!ignored.isEmpty() || households != null) {
                    throw new ParameterException(
                            spec.commandLine(),
                            (households != null ? List.of("--households") : ignored)
                                    + " do not apply to --scenario own-word");
                }
                for (String p : phrases) {
                    if (p.strip().length() > OWN_WORD_MAX_PHRASE_CHARS) {
                        // the demo names tasks and user keys (at most 64 characters) after the phrase
                        throw new ParameterException(
                                spec.commandLine(),
                                "--phrase: the demo takes phrases of at most " + OWN_WORD_MAX_PHRASE_CHARS
                                        + " characters (it names its tasks and users after them): '" + p + "'");
                    }
                    if (!WakePhrase.speakable(p)) {
                        throw new ParameterException(
                                spec.commandLine(), "--phrase must be " + WakePhrase.RULE + ": '" + p + "'");
                    }
                }
                List<String> ownPhrases = phrases.isEmpty()
                        ? OwnWordDemo.PHRASES
                        : phrases.stream().map(WakePhrase::ofUser).distinct().toList();
                if (ownPhrases.stream().map(OwnWordDemo::task).distinct().count() < ownPhrases.size()) {
                    throw new ParameterException(
                            spec.commandLine(),
                            "--phrase: " + ownPhrases + " name the same task ("
                                    + ownPhrases.stream().map(OwnWordDemo::task).toList()
                                    + "); give phrases that differ in letters");
                }
                Path bankDir = defaultBankIfMissing();
                new OwnWordDemo(
                                new OwnWordDemo.Settings(
                                        modelsDir,
                                        adapterJar,
                                        workDir.resolveSibling(workDir.getFileName() + "-own-word"),
                                        cacheDir,
                                        bankDir,
                                        seed,
                                        OWN_WORD_FRESH_SEED,
                                        ownPhrases,
                                        phrasePerUser,
                                        4,
                                        12,
                                        List.of(3, 5, 8, 16),
                                        partitions,
                                        timeout,
                                        adapterProperties),
                                out)
                        .run();
                return 0;
            }
            default ->
                throw new ParameterException(
                        spec.commandLine(), "--scenario must be wake, speakers or own-word, not '" + scenario + "'");
        }
        if (users < 1 || candidates < users) {
            throw new IllegalArgumentException(
                    "--candidates (" + candidates + ") must be >= --users (" + users + ") >= 1");
        }
        Files.createDirectories(workDir);
        long t0 = System.nanoTime();
        Path bankDir = defaultBankIfMissing();
        NegativeBank bank = NegativeBank.open(bankDir);
        if (bank.evaluation() == null) {
            throw new IllegalArgumentException("negative bank " + bankDir + " has no evaluation part to measure false "
                    + "accepts per hour on (build it with --evaluation-hours > 0)");
        }
        out.printf(
                "demo: synthesizing %d candidate held-out users (voices that no bank part holds, half of them from"
                        + " flite, which the bank's training and calibration parts do not hold; cache %s)%n",
                candidates, cacheDir);
        out.flush();
        SourceHead source = QuietBench.heyJarvis(modelsDir);
        SyntheticUsers.Config config = SyntheticUsers.Config.defaults(seed)
                .withUsers(candidates)
                .withTrain(train, train)
                .withHoldout(holdout, holdout)
                .withBackground(backgroundSpeakers, 16)
                .withBackgroundNearMisses(REFERENCE_NEAR_MISSES);
        QuietBench.Population population = QuietBench.heldOutUsers(config, users, modelsDir, cacheDir, source, line -> {
            out.println("demo: " + line.strip());
            out.flush();
        });
        List<SyntheticUser> chosen = population.users();
        Map<SyntheticClip, EmbeddingSequence> emb = population.embeddings();
        out.printf(
                "demo: %d of %d candidates have source-head recall < 0.5 on their own holdout clips; streaming %d:"
                        + " %s%n",
                population.poorCandidates(),
                candidates,
                chosen.size(),
                chosen.stream()
                        .map(u -> u.id() + " (" + u.speaker().voice().id() + ")")
                        .toList());
        if (chosen.isEmpty()) {
            throw new IllegalStateException(
                    "no candidate user is poorly served by the source head; raise --candidates");
        }

        Path rehearsal = null;
        if (backgroundSpeakers > 0) {
            rehearsal = workDir.resolve("rehearsal.samples.pb");
            List<Sample> reference = new ArrayList<>();
            for (SyntheticClip c : population.background()) {
                reference.add(SampleRecords.sample("reference", TASK, c));
            }
            SampleFile.write(rehearsal, reference);
            out.printf(
                    "demo: wrote %d background-speaker negatives as the rehearsal reference set %s%n",
                    reference.size(), rehearsal);
        }
        HeldOutSpeech speech = new HeldOutSpeech(bank.evaluation(), 16);
        out.println("demo: false accepts per hour are measured on " + speech);

        Path kafkaDir = workDir.resolve("kafka");
        Dirs.deleteRecursively(kafkaDir);
        out.println("demo: starting Kafka (KRaft, single node) in " + kafkaDir);
        out.flush();
        try (EmbeddedKafka kafka = EmbeddedKafka.builder(kafkaDir).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(partitions);
            }
            out.println(
                    "demo: broker at " + bs + "; starting the adapter (log " + workDir.resolve("adapter.log") + ")");
            out.flush();
            Map<String, String> props = new LinkedHashMap<>();
            props.put("kafka.bootstrap.servers", bs);
            props.put("headstream.models-dir", modelsDir.toAbsolutePath().toString());
            props.put("headstream.instance-id", "demo");
            props.put(
                    "headstream.negative-bank.directory",
                    bankDir.toAbsolutePath().toString());
            props.put("headstream.tasks." + TASK + ".source-head", "hey_jarvis_v0.1.onnx");
            if (rehearsal != null) {
                props.put(
                        "headstream.tasks." + TASK + ".rehearsal-set",
                        rehearsal.toAbsolutePath().toString());
            }
            props.putAll(adapterProperties);
            Files.deleteIfExists(workDir.resolve("adapter.log"));
            try (AdapterProcess adapter = AdapterProcess.start(adapterJar, props, workDir.resolve("adapter.log"))
                            .awaitReady(Duration.ofMinutes(3));
                    HeadFollower<HeadCodec.Decoded> follower =
                            new HeadFollower<>(bs, u -> HeadCodec.decode(u, source)).start();
                    SampleSender sender = new SampleSender(bs)) {
                int maxTrain =
                        chosen.stream().mapToInt(u -> u.train().size()).max().orElse(0);
                for (int i = 0; i < maxTrain; i++) {
                    for (SyntheticUser u : chosen) {
                        if (i < u.train().size()) {
                            sender.send(
                                    SampleRecords.key(TENANT, u.id()),
                                    SampleRecords.sample(TENANT, TASK, u.train().get(i))
                                            .toByteArray());
                        }
                    }
                }
                // one malformed record: it must come back as a reject while the stream goes on
                sender.send(
                        SampleRecords.key(TENANT, chosen.get(0).id()),
                        "not a protobuf sample".getBytes(StandardCharsets.UTF_8));
                for (SyntheticUser u : chosen) {
                    for (SyntheticClip c : u.holdout()) {
                        sender.send(
                                SampleRecords.key(TENANT, u.id()),
                                SampleRecords.sample(TENANT, TASK, c).toByteArray());
                    }
                }
                sender.flush();
                out.printf(
                        "demo: streamed %d records (%d users, one malformed); waiting for their heads%n",
                        sender.sent(), chosen.size());
                out.flush();
                awaitHeads(out, follower, chosen, adapter);
                awaitHoldoutAndReject(bs, chosen, adapter);

                HoldoutTable table = HoldoutEvaluator.evaluate(
                        chosen,
                        emb,
                        id -> {
                            HeadFollower.Versioned<HeadCodec.Decoded> v = follower.current(
                                            TENANT + "/" + id + "/" + TASK)
                                    .orElseThrow();
                            return new HoldoutEvaluator.UserHead(
                                    v.head().head(),
                                    v.head().source(),
                                    v.head().trainable(),
                                    v.head().threshold(),
                                    v.version());
                        },
                        16,
                        speech);
                long held = chosen.stream()
                        .filter(u -> follower.current(TENANT + "/" + u.id() + "/" + TASK)
                                .orElseThrow()
                                .update()
                                .getHeldAtSource())
                        .count();
                List<ConsumerRecord<byte[], byte[]>> metrics =
                        TopicReader.readAll(bs, Topics.METRICS, Duration.ofSeconds(30));
                List<ConsumerRecord<byte[], byte[]>> rejected =
                        TopicReader.readAll(bs, Topics.REJECTED, Duration.ofSeconds(30));
                out.println();
                out.print(table.render(0.5));
                out.printf(
                        "published: %d head versions, %d metrics records, %d rejects; %d of %d newest heads held at"
                                + " the source head%n",
                        follower.received(), metrics.size(), rejected.size(), held, chosen.size());
                Map<String, AdaptationMetrics> lastMetrics = new HashMap<>();
                Set<String> alarmed = new TreeSet<>();
                Set<String> drifted = new TreeSet<>();
                double maxGapStatistic = 0;
                double maxRiseStatistic = 0;
                long foreignMetrics = 0;
                for (ConsumerRecord<byte[], byte[]> r : metrics) {
                    // filed by record key; a record whose payload names another head is not counted
                    String key = HeadKeys.key(r);
                    AdaptationMetrics m = AdaptationMetrics.parseFrom(r.value());
                    if (HeadKeys.mismatch(key, m).isPresent()) {
                        foreignMetrics++;
                        continue;
                    }
                    lastMetrics.put(key, m);
                    if (m.getNegativeTransferAlarm()) {
                        alarmed.add(key);
                    }
                    maxGapStatistic = Math.max(maxGapStatistic, m.getNegativeTransferStatistic());
                    maxRiseStatistic = Math.max(maxRiseStatistic, m.getLossRiseStatistic());
                    if (m.getDriftAlarm()) {
                        drifted.add(key);
                    }
                }
                if (foreignMetrics > 0 || follower.foreign() > 0) {
                    out.printf(
                            "skipped %d metrics and %d head records whose payload names another head than their key%n",
                            foreignMetrics, follower.foreign());
                }
                double meanGap = lastMetrics.values().stream()
                        .mapToDouble(AdaptationMetrics::getNegativeTransferGap)
                        .average()
                        .orElse(0);
                AdaptationMetrics anyMetrics =
                        lastMetrics.values().stream().findFirst().orElse(AdaptationMetrics.getDefaultInstance());
                out.printf(
                        Locale.ROOT,
                        "negative transfer (clean users, monitored only): %d of %d heads ever in alarm;"
                                + " largest gap CUSUM %.3f vs threshold %.3f, largest loss-rise statistic %.3f vs threshold %.3f;"
                                + " mean windowed gap (adapted - source loss) %+.3f%n",
                        alarmed.size(),
                        lastMetrics.size(),
                        maxGapStatistic,
                        anyMetrics.getNegativeTransferThreshold(),
                        maxRiseStatistic,
                        anyMetrics.getLossRiseThreshold(),
                        meanGap);
                out.printf(
                        Locale.ROOT,
                        "drift test (MMD vs each user's first %d clips): %d of %d heads ever in alarm%n",
                        HeadMonitors.DRIFT.referenceSize(),
                        drifted.size(),
                        lastMetrics.size());
                double[] domainP = lastMetrics.values().stream()
                        .mapToDouble(AdaptationMetrics::getDomainPValue)
                        .sorted()
                        .toArray();
                out.printf(
                        Locale.ROOT,
                        "domain similarity to other speakers (the reference set, else the bank's training speech; MMD p-value of each user's last 8 clips):"
                                + " median %.3f, %d of %d users at p <= 0.01%n",
                        domainP.length == 0 ? Double.NaN : domainP[domainP.length / 2],
                        Arrays.stream(domainP).filter(v -> v <= 0.01).count(),
                        domainP.length);
                for (ConsumerRecord<byte[], byte[]> r : rejected) {
                    Rejected rej = Rejected.parseFrom(r.value());
                    out.printf(
                            "  rejected %s-%d@%d: %s %s%n",
                            rej.getTopic(), rej.getPartition(), rej.getOffset(), rej.getReason(), rej.getMessage());
                }
                HeadReplay.Result replay = HeadReplay.run(bs, EngineSpec.fromProperties(props), Duration.ofSeconds(60));
                out.printf(
                        "replay: %d heads rebuilt from headstream.samples in-process: %d bit-identical to the"
                                + " published ones%s%n",
                        replay.heads(),
                        replay.identical(),
                        replay.differences().isEmpty() ? "" : "; differences: " + replay.differences());
                Path json = workDir.resolve("demo-result.json");
                Files.writeString(
                        json,
                        DemoJson.render(
                                table,
                                seed,
                                follower.received(),
                                metrics.size(),
                                rejected.size(),
                                (System.nanoTime() - t0) / 1e9,
                                held,
                                speech));
                out.printf(
                        Locale.ROOT,
                        "demo: done in %.0f s; table written to %s%n",
                        (System.nanoTime() - t0) / 1e9,
                        json);
            }
        }
        return 0;
    }

    private void awaitHeads(
            PrintWriter out,
            HeadFollower<HeadCodec.Decoded> follower,
            List<SyntheticUser> chosen,
            AdapterProcess adapter)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastReport = 0;
        int total = chosen.stream().mapToInt(u -> u.train().size()).sum();
        while (true) {
            int complete = 0;
            long applied = 0;
            for (SyntheticUser u : chosen) {
                long n = follower.current(TENANT + "/" + u.id() + "/" + TASK)
                        .map(v -> v.update().getProvenance().getSamplesApplied())
                        .orElse(0L);
                applied += n;
                if (n >= u.train().size()) {
                    complete++;
                }
            }
            if (complete == chosen.size()) {
                out.printf(
                        "  heads: %d/%d users complete, %d/%d training clips applied%n",
                        complete, chosen.size(), applied, total);
                return;
            }
            if (System.nanoTime() - lastReport > 5_000_000_000L) {
                out.printf(
                        "  heads: %d/%d users complete, %d/%d training clips applied%n",
                        complete, chosen.size(), applied, total);
                out.flush();
                lastReport = System.nanoTime();
            }
            if (!adapter.isAlive()) {
                throw new IllegalStateException("the adapter died:\n" + adapter.tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("heads incomplete after " + timeout + ": " + complete + "/"
                        + chosen.size() + " users; adapter log:\n" + adapter.tail());
            }
            Thread.sleep(250);
        }
    }

    /** Waits until every user's holdout clips were scored and the malformed record was rejected. */
    private void awaitHoldoutAndReject(String bs, List<SyntheticUser> chosen, AdapterProcess adapter) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, Long> holdoutScored = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(bs, Topics.METRICS, Duration.ofSeconds(30))) {
                String key = HeadKeys.key(r);
                AdaptationMetrics m = AdaptationMetrics.parseFrom(r.value());
                if (HeadKeys.mismatch(key, m).isEmpty()) {
                    holdoutScored.put(key, m.getAdaptedHoldout().getCount());
                }
            }
            boolean scored = chosen.stream()
                    .allMatch(u -> holdoutScored.getOrDefault(TENANT + "/" + u.id() + "/" + TASK, 0L)
                            >= u.holdout().size());
            if (scored
                    && !TopicReader.readAll(bs, Topics.REJECTED, Duration.ofSeconds(30))
                            .isEmpty()) {
                return;
            }
            if (!adapter.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "holdout clips or the malformed record not processed in time; adapter log:\n" + adapter.tail());
            }
            Thread.sleep(1000);
        }
    }
}
