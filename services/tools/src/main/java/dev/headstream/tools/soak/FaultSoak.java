package dev.headstream.tools.soak;

import dev.headstream.cli.replay.HeadReplay;
import dev.headstream.client.SampleSender;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.schemas.Topics;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.audit.OutputAudit;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticUser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Issue 5's fault scenarios on the real broker, with the adapter run as child processes
 * ({@code quarkus-run.jar}) so they can be killed: a stream of good samples over many users is
 * produced while a fault strikes, then the committed output is audited ({@link OutputAudit}: every
 * head version once, exactly one metrics record per sample, no reject) and every head is compared
 * bit for bit with a replay of the samples topic ({@link HeadReplay}).
 *
 * <p>The producer keeps at most {@code inFlight} samples ahead of what the adapters committed
 * (counted on {@code headstream.metrics}, one record per applied sample), so the stream is still
 * flowing when a fault strikes and the fault points are fractions of the committed stream.
 *
 * <p>Scenarios:
 * <ul>
 *   <li>{@link Scenario#KILL}: SIGKILL the adapter three times (at 1/4, 1/2 and 3/4 of the stream),
 *       each time starting a new one with the same instance id (same transactional id, as a
 *       restarted pod would);</li>
 *   <li>{@link Scenario#REBALANCE}: one instance, two more join at 1/3 (three instances share the
 *       partitions), the two leave (SIGTERM) at 2/3;</li>
 *   <li>{@link Scenario#BROKER_RESTART}: SIGKILL the broker at 1/2 and start it again on the same
 *       data 5 s later.</li>
 * </ul>
 * An adapter that exits by itself is restarted, as a supervisor (systemd, Kubernetes) would, and
 * the exit is listed in the report's events: the guarantee is exactly-once output, not that no
 * instance ever restarts.
 */
public final class FaultSoak {

    public static final String TENANT = "soak";
    public static final String TASK = "wake";

    /** The fault a run injects. */
    public enum Scenario {
        KILL,
        REBALANCE,
        BROKER_RESTART;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * A run's size and parts.
     *
     * @param users          users streaming samples
     * @param samplesPerUser samples each user sends
     * @param partitions     partitions of the samples topic (and the others)
     * @param replaySteps    the wake task's replay steps per arriving sample (training cost)
     * @param inFlight       most samples sent but not yet committed
     * @param modelsDir      verified openWakeWord models
     * @param adapterJar     the adapter's {@code quarkus-run.jar}
     * @param workDir        broker data and adapter logs (its {@code kafka} folder must not exist)
     * @param rehearsalSet   the wake task's reference set file
     * @param bankDir        the negative bank the adapters use
     * @param timeout        give up when the stream is not committed within this time
     * @param stateOnDisk    each instance keeps its users' state on disk ({@code headstream.state.dir}, one
     *                       directory per instance id, kept across its restarts) instead of the heap
     */
    public record Config(
            Scenario scenario,
            int users,
            int samplesPerUser,
            int partitions,
            int replaySteps,
            int inFlight,
            Path modelsDir,
            Path adapterJar,
            Path workDir,
            Path rehearsalSet,
            Path bankDir,
            Duration timeout,
            boolean stateOnDisk) {

        public Config {
            if (users < 1 || samplesPerUser < 1 || partitions < 1 || replaySteps < 0 || inFlight < 1) {
                throw new IllegalArgumentException("users, samples per user, partitions and in-flight must be >= 1, "
                        + "replay steps >= 0: " + users + ", " + samplesPerUser + ", " + partitions + ", " + inFlight
                        + ", " + replaySteps);
            }
        }

        public long samples() {
            return (long) users * samplesPerUser;
        }
    }

    /**
     * What a run saw.
     *
     * @param committed       applied samples counted on the metrics topic when the stream was done
     * @param sendFailures    samples the producer gave up on (then the run proves nothing)
     * @param events          the faults and restarts, with the committed count at each
     * @param faultsPlanned   faults the scenario injects
     * @param faultsInjected  faults injected (all of them unless the run failed)
     * @param unexpectedExits adapters that exited by themselves (restarted)
     * @param audit           the output audit
     * @param replay          the heads compared with a replay
     * @param streamSeconds   time from the first sample to the last commit
     */
    public record Report(
            Config config,
            long committed,
            long sendFailures,
            List<String> events,
            int faultsPlanned,
            int faultsInjected,
            int unexpectedExits,
            OutputAudit.Result audit,
            HeadReplay.Result replay,
            double streamSeconds) {

        /** Whether every invariant held: the whole stream applied once, output exactly once, heads equal the replay. */
        public boolean passed() {
            return sendFailures == 0
                    && faultsInjected == faultsPlanned
                    && audit.errors().isEmpty()
                    && audit.metricsRecords() == config.samples()
                    && audit.heads() == config.users()
                    && replay.differences().isEmpty()
                    && replay.identical() == config.users();
        }
    }

    private final Config config;
    private final Consumer<String> log;
    private final List<String> events = new ArrayList<>();
    private final Map<String, AdapterProcess> adapters = new LinkedHashMap<>();
    private final Map<String, Integer> starts = new HashMap<>();
    private int unexpectedExits;
    private int stepsRun;

    private FaultSoak(Config config, Consumer<String> log) {
        this.config = config;
        this.log = log;
    }

    /** Adapter properties for a fault run: broker, models, the wake task's reference set and replay steps, instance id, 6 s session timeout. */
    public static Map<String, String> adapterProperties(
            String bootstrap, Path modelsDir, Path rehearsal, Path bankDir, int replaySteps, String instanceId) {
        return new HashMap<>(Map.of(
                "kafka.bootstrap.servers",
                bootstrap,
                "headstream.models-dir",
                modelsDir.toAbsolutePath().toString(),
                "headstream.negative-bank.directory",
                bankDir.toAbsolutePath().toString(),
                "headstream.instance-id",
                instanceId,
                "headstream.tasks." + TASK + ".rehearsal-set",
                rehearsal.toAbsolutePath().toString(),
                "headstream.tasks." + TASK + ".replay-steps",
                Integer.toString(replaySteps),
                // a killed or frozen instance leaves the group after 6 s instead of 45 s
                "mp.messaging.incoming.samples.session.timeout.ms",
                "6000",
                "mp.messaging.incoming.samples.heartbeat.interval.ms",
                "1000"));
    }

    /**
     * The workload: user {@code i} ({@code u0000}, {@code u0001}, ...) streams the training clips
     * of population user {@code i mod pool size}, cycling when it needs more samples than there are
     * clips, each with its own sample id. Users alternate sample by sample.
     */
    public static List<Workload> workload(List<SyntheticUser> pool, int users, int samplesPerUser) {
        List<Workload> out = new ArrayList<>(users * samplesPerUser);
        for (int j = 0; j < samplesPerUser; j++) {
            for (int i = 0; i < users; i++) {
                List<SyntheticClip> clips = pool.get(i % pool.size()).train();
                SyntheticClip c = clips.get(j % clips.size());
                String user = String.format(Locale.ROOT, "u%04d", i);
                byte[] value = SampleRecords.sample(TENANT, TASK, c).toBuilder()
                        .setUser(user)
                        .setSampleId(String.format(Locale.ROOT, "%s-%05d", user, j))
                        .build()
                        .toByteArray();
                out.add(new Workload(SampleRecords.key(TENANT, user), TENANT + "/" + user + "/" + TASK, value));
            }
        }
        return out;
    }

    /** One sample record of the workload. */
    public record Workload(String key, String headId, byte[] value) {}

    /** Runs {@code config.scenario()} on a fresh broker in {@code config.workDir()}. */
    public static Report run(Config config, List<SyntheticUser> pool, Consumer<String> log) throws Exception {
        return new FaultSoak(config, log).run(pool);
    }

    private Report run(List<SyntheticUser> pool) throws Exception {
        List<Workload> workload = workload(pool, config.users(), config.samplesPerUser());
        Map<String, Long> expected = new HashMap<>();
        workload.forEach(w -> expected.merge(w.headId(), 1L, Long::sum));
        long total = workload.size();
        String name = config.scenario().label();
        try (EmbeddedKafka kafka =
                EmbeddedKafka.builder(config.workDir().resolve("kafka")).start()) {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(config.partitions());
                // the audit checks every version ever published: hold off the log cleaner, which would
                // otherwise drop older versions of a head from rolled segments (0.85 MB heads roll them
                // within seconds)
                admin.setConfig(
                        Topics.HEADS,
                        TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG,
                        Long.toString(Duration.ofDays(1).toMillis()));
            }
            long t0 = System.nanoTime();
            double streamSeconds;
            long sendFailures;
            int planned;
            try (CommittedCounter committed = new CommittedCounter(bs);
                    SampleSender sender = new SampleSender(bs)) {
                start(bs, "a");
                List<Step> steps = steps(kafka, bs, total);
                planned = steps.size();
                // the producer runs at most half a window past the next fault point, and never to the
                // end of the stream while a fault is still to come: every fault strikes mid-stream
                AtomicLong sendLimit = new AtomicLong(limit(steps, total));
                AtomicBoolean stop = new AtomicBoolean();
                Thread producer = new Thread(
                        () -> {
                            for (Workload w : workload) {
                                while (!stop.get()
                                        && (sender.sent() - committed.count() >= config.inFlight()
                                                || sender.sent() >= sendLimit.get())) {
                                    sleep(10);
                                }
                                if (stop.get()) {
                                    return;
                                }
                                sender.send(w.key(), w.value());
                            }
                            sender.flush();
                        },
                        "soak-producer");
                producer.setDaemon(true);
                producer.start();
                long deadline = System.nanoTime() + config.timeout().toNanos();
                long lastReport = 0;
                try {
                    while (committed.count() < total) {
                        long done = committed.count();
                        while (!steps.isEmpty() && done >= steps.get(0).at()) {
                            Step s = steps.remove(0);
                            event(done, s.what());
                            s.action().run();
                            stepsRun++;
                            sendLimit.set(limit(steps, total));
                        }
                        supervise(bs, done);
                        if (System.nanoTime() - lastReport > 5_000_000_000L) {
                            lastReport = System.nanoTime();
                            log.accept(String.format(
                                    Locale.ROOT,
                                    "soak %s: %,d / %,d samples committed, %d instance(s), %.0f s",
                                    name,
                                    done,
                                    total,
                                    adapters.size(),
                                    (lastReport - t0) / 1e9));
                        }
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException(String.format(
                                    Locale.ROOT,
                                    "soak %s: only %,d of %,d samples committed after %s; events %s; adapter log tails:%n%s",
                                    name,
                                    done,
                                    total,
                                    config.timeout(),
                                    events,
                                    tails()));
                        }
                        sleep(200);
                    }
                } finally {
                    stop.set(true);
                    producer.join(30_000);
                }
                streamSeconds = (System.nanoTime() - t0) / 1e9;
                sendFailures = sender.failed();
                event(committed.count(), "stream committed; stopping the adapters");
                adapters.values().forEach(AdapterProcess::close);
                adapters.clear();
            }
            log.accept("soak " + name + ": auditing the output and replaying " + total + " samples");
            OutputAudit.Result audit = OutputAudit.check(bs, expected, Duration.ofSeconds(60));
            HeadReplay.Result replay = HeadReplay.run(
                    bs,
                    EngineSpec.fromProperties(adapterProperties(
                            bs,
                            config.modelsDir(),
                            config.rehearsalSet(),
                            config.bankDir(),
                            config.replaySteps(),
                            "replay")),
                    Duration.ofSeconds(120));
            return new Report(
                    config,
                    audit.metricsRecords(),
                    sendFailures,
                    List.copyOf(events),
                    planned,
                    stepsRun,
                    unexpectedExits,
                    audit,
                    replay,
                    streamSeconds);
        } finally {
            adapters.values().forEach(AdapterProcess::kill);
        }
    }

    /** How far the producer may run: half a window past the next fault point, short of the end while one is left. */
    private long limit(List<Step> steps, long total) {
        return steps.isEmpty() ? total : Math.min(total - 1, steps.get(0).at() + Math.max(1, config.inFlight() / 2));
    }

    private record Step(long at, String what, Runnable action) {}

    private List<Step> steps(EmbeddedKafka kafka, String bs, long total) {
        List<Step> steps = new ArrayList<>();
        switch (config.scenario()) {
            case KILL -> {
                for (int k = 1; k <= 3; k++) {
                    steps.add(new Step(total * k / 4, "kill -9 instance a (" + k + " of 3), start it again", () -> {
                        adapters.remove("a").kill();
                        start(bs, "a");
                    }));
                }
            }
            case REBALANCE -> {
                steps.add(new Step(total / 3, "instances b and c join (1 -> 3)", () -> {
                    start(bs, "b");
                    start(bs, "c");
                }));
                steps.add(new Step(2 * total / 3, "instances b and c leave, SIGTERM (3 -> 1)", () -> {
                    adapters.remove("b").close();
                    adapters.remove("c").close();
                }));
            }
            case BROKER_RESTART ->
                steps.add(new Step(total / 2, "kill -9 the broker, start it again after 5 s", () -> {
                    kafka.kill();
                    sleep(5_000);
                    kafka.start();
                }));
        }
        return steps;
    }

    /** Restarts an adapter that exited by itself (after a fault it could not ride out), as a supervisor would. */
    private void supervise(String bs, long done) {
        for (Map.Entry<String, AdapterProcess> e : List.copyOf(adapters.entrySet())) {
            if (!e.getValue().isAlive()) {
                int code;
                try {
                    code = e.getValue().awaitExit(Duration.ofSeconds(1));
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", ex);
                }
                unexpectedExits++;
                event(
                        done,
                        "instance " + e.getKey() + " exited by itself with code " + code + "; restarting it ("
                                + e.getValue().log() + ")");
                adapters.remove(e.getKey());
                start(bs, e.getKey());
            }
        }
    }

    private void start(String bs, String instance) {
        int n = starts.merge(instance, 1, Integer::sum);
        Path logFile = config.workDir().resolve("adapter-" + instance + "-" + n + ".log");
        Map<String, String> properties = adapterProperties(
                bs,
                config.modelsDir(),
                config.rehearsalSet(),
                config.bankDir(),
                config.replaySteps(),
                "soak-" + instance);
        if (config.stateOnDisk()) {
            properties.put(
                    "headstream.state.dir",
                    config.workDir()
                            .resolve("state-" + instance)
                            .toAbsolutePath()
                            .toString());
        }
        AdapterProcess p =
                AdapterProcess.start(config.adapterJar(), properties, logFile).awaitReady(Duration.ofMinutes(3));
        adapters.put(instance, p);
    }

    private void event(long done, String what) {
        String line = String.format(Locale.ROOT, "at %,d committed: %s", done, what);
        events.add(line);
        log.accept("soak " + config.scenario().label() + ": " + line);
    }

    private String tails() {
        StringBuilder b = new StringBuilder();
        adapters.forEach((name, p) -> b.append("--- ")
                .append(name)
                .append(" (")
                .append(p.log())
                .append(")\n")
                .append(p.tail())
                .append('\n'));
        return b.toString();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Counts committed metrics records (one per applied sample) as a read_committed consumer sees them, in the background. */
    private static final class CommittedCounter implements AutoCloseable {

        private final AtomicLong count = new AtomicLong();
        private final AtomicBoolean closed = new AtomicBoolean();
        private final Thread thread;

        CommittedCounter(String bootstrap) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            KafkaConsumer<byte[], byte[]> c =
                    new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> parts = c.partitionsFor(Topics.METRICS, Duration.ofSeconds(30)).stream()
                    .map(pi -> new TopicPartition(Topics.METRICS, pi.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            thread = new Thread(
                    () -> {
                        try (c) {
                            while (!closed.get()) {
                                count.addAndGet(c.poll(Duration.ofMillis(200)).count());
                            }
                        }
                    },
                    "soak-committed-counter");
            thread.setDaemon(true);
            thread.start();
        }

        long count() {
            return count.get();
        }

        @Override
        public void close() throws InterruptedException {
            closed.set(true);
            thread.join(10_000);
        }
    }
}
