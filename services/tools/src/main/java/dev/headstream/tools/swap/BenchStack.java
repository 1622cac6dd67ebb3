package dev.headstream.tools.swap;

import dev.headstream.cli.Dirs;
import dev.headstream.testkit.adapter.AdapterProcess;
import dev.headstream.testkit.kafka.EmbeddedKafka;
import dev.headstream.testkit.kafka.TopicAdmin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A benchmark's broker and adapter: a single-node Kafka broker (KRaft, child JVM) with Headstream's
 * topics, its data in {@code <work-dir>/kafka}, and one adapter (child JVM) against it, its log in
 * {@code <work-dir>/adapter.log}.
 *
 * <p>Lifecycle: {@link #start} (returns once the adapter is ready) -> {@link #bootstrap()} and
 * {@link #adapter()} -> {@link #close()} (stops the adapter, then the broker, and removes the
 * broker's data unless {@link StackOptions#keepData()}).
 */
public final class BenchStack implements AutoCloseable {

    private final EmbeddedKafka kafka;
    private AdapterProcess adapter;
    private final Path kafkaDir;
    private final boolean keepData;
    private final Path jar;
    private final Map<String, String> props;
    private final List<String> jvmOptions;
    private final Path log;
    private int restarts;

    private BenchStack(
            EmbeddedKafka kafka,
            AdapterProcess adapter,
            Path kafkaDir,
            boolean keepData,
            Path jar,
            Map<String, String> props,
            List<String> jvmOptions,
            Path log) {
        this.kafka = kafka;
        this.adapter = adapter;
        this.kafkaDir = kafkaDir;
        this.keepData = keepData;
        this.jar = jar;
        this.props = props;
        this.jvmOptions = jvmOptions;
        this.log = log;
    }

    /** Actions run while the adapter is stopped. */
    public interface WhileStopped {
        void run() throws Exception;
    }

    /**
     * Stops the adapter (SIGTERM, a clean shutdown), runs {@code whileStopped}, starts it again with the
     * same settings (log {@code adapter-<n>.log} beside the first) and waits until it is ready.
     *
     * @return seconds from the new adapter's process start to its readiness
     */
    public double restartAdapter(WhileStopped whileStopped) throws Exception {
        adapter.close();
        whileStopped.run();
        restarts++;
        Path next = log.resolveSibling("adapter-" + (restarts + 1) + ".log");
        Files.deleteIfExists(next);
        long t0 = System.nanoTime();
        adapter = AdapterProcess.start(jar, props, jvmOptions, next).awaitReady(Duration.ofMinutes(10));
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * Starts the broker with {@code options}' partitions, then the adapter with {@code adapterProperties}
     * and the broker's address; {@code say} hears what starts where.
     *
     * @throws IOException when the work dir cannot be prepared
     */
    public static BenchStack start(
            StackOptions options, Path workDir, Map<String, String> adapterProperties, Consumer<String> say)
            throws IOException {
        return start(options, workDir, adapterProperties, List.of(), say);
    }

    /** {@link #start(StackOptions, Path, Map, Consumer)} with options for the adapter's JVM (e.g. {@code -Xmx2g}). */
    public static BenchStack start(
            StackOptions options,
            Path workDir,
            Map<String, String> adapterProperties,
            List<String> jvmOptions,
            Consumer<String> say)
            throws IOException {
        Path kafkaDir = workDir.resolve("kafka");
        Dirs.deleteRecursively(kafkaDir);
        say.accept("starting Kafka (KRaft, single node) in " + kafkaDir);
        EmbeddedKafka kafka = EmbeddedKafka.builder(kafkaDir).start();
        try {
            String bs = kafka.bootstrapServers();
            try (TopicAdmin admin = TopicAdmin.connect(bs)) {
                admin.ensureTopics(options.partitions());
            }
            Map<String, String> props = new LinkedHashMap<>();
            props.put("kafka.bootstrap.servers", bs);
            props.putAll(adapterProperties);
            Path log = workDir.resolve("adapter.log");
            Files.deleteIfExists(log);
            say.accept("broker at " + bs + "; starting the adapter (log " + log + ")");
            AdapterProcess adapter = AdapterProcess.start(options.adapterJar(), props, jvmOptions, log)
                    .awaitReady(Duration.ofMinutes(3));
            return new BenchStack(
                    kafka, adapter, kafkaDir, options.keepData(), options.adapterJar(), props, jvmOptions, log);
        } catch (IOException | RuntimeException e) {
            stop(kafka, kafkaDir, options.keepData());
            throw e;
        }
    }

    public String bootstrap() {
        return kafka.bootstrapServers();
    }

    public AdapterProcess adapter() {
        return adapter;
    }

    @Override
    public void close() {
        try {
            adapter.close();
        } finally {
            stop(kafka, kafkaDir, keepData);
        }
    }

    private static void stop(EmbeddedKafka kafka, Path kafkaDir, boolean keepData) {
        try {
            kafka.close();
        } finally {
            if (!keepData) {
                try {
                    Dirs.deleteRecursively(kafkaDir);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot remove the broker's data " + kafkaDir, e);
                }
            }
        }
    }
}
