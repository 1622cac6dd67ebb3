package dev.headstream.cli.watch;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.cli.KafkaSecurityOption;
import dev.headstream.client.HeadKeys;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadScore;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Rejected;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Prints head versions, metrics and rejects as they are committed; with {@code --until-samples},
 * stops as soon as every head named by {@code --head} has a committed version that applied that
 * many samples ({@link SampleGoal}), or fails when {@code --timeout} runs out first.
 */
@Command(
        name = "watch",
        mixinStandardHelpOptions = true,
        description = "Print head versions, adaptation metrics and rejects as they arrive (read_committed);"
                + " with --until-samples, exit once the given heads have applied that many samples.")
public final class WatchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--bootstrap",
            defaultValue = "127.0.0.1:9092",
            description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}).")
    String bootstrap;

    @Mixin
    KafkaSecurityOption kafkaSecurity;

    @Option(names = "--from-beginning", description = "Start at the beginning of the topics instead of their end.")
    boolean fromBeginning;

    @Option(names = "--duration", description = "Stop after this ISO-8601 duration (default: run until Ctrl-C).")
    Duration duration;

    @Option(
            names = "--head",
            paramLabel = "TENANT/USER/TASK",
            description = "A head --until-samples waits for (repeatable).")
    List<String> heads = new ArrayList<>();

    @Option(
            names = "--until-samples",
            paramLabel = "N",
            description = "Exit 0 as soon as every --head's newest committed version has applied at least N samples"
                    + " (the heads topic is read from its beginning for it).")
    Long untilSamples;

    @Option(
            names = "--timeout",
            description = "With --until-samples: fail (exit 1, naming the heads still short) after this ISO-8601"
                    + " duration (default: wait until Ctrl-C).")
    Duration timeout;

    @Override
    public Integer call() {
        SampleGoal goal = goal();
        Properties p = kafkaSecurity.connection(bootstrap).clientProperties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // watching must never create a topic with the broker's defaults
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        Duration limit = goal == null ? duration : timeout;
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return watch(c, spec.commandLine().getOut(), fromBeginning, limit, goal, bootstrap);
        }
    }

    /** The --until-samples goal, or null; bad combinations of options are usage errors. */
    private SampleGoal goal() {
        if (untilSamples == null) {
            if (!heads.isEmpty() || timeout != null) {
                throw new ParameterException(spec.commandLine(), "--head and --timeout go with --until-samples");
            }
            return null;
        }
        if (heads.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--until-samples needs at least one --head");
        }
        if (untilSamples < 0) {
            throw new ParameterException(spec.commandLine(), "--until-samples must be at least 0, got " + untilSamples);
        }
        if (duration != null) {
            throw new ParameterException(
                    spec.commandLine(), "--duration does not go with --until-samples; use --timeout");
        }
        Set<String> ids = new LinkedHashSet<>();
        for (String h : heads) {
            String[] parts = h.split("/", -1);
            if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
                throw new ParameterException(spec.commandLine(), "--head must be tenant/user/task, got '" + h + "'");
            }
            ids.add(h);
        }
        return new SampleGoal(ids, untilSamples);
    }

    /**
     * Prints every committed record of the heads, metrics and rejected topics that arrives on
     * {@code c} until {@code limit} passes (null: forever), from the topics' end or beginning. With a
     * {@code goal}, the heads topic is read from its beginning (records older than the start are
     * filed, not printed, unless {@code fromBeginning}); once the heads topic has been read up to
     * where it ended at the start, the goal is checked after every poll: reached, it prints
     * {@link SampleGoal#reachedMessage()} and returns 0; not reached when {@code limit} passes, it
     * throws.
     *
     * @throws IllegalStateException if no topic exists, or the goal is not reached in time
     */
    static int watch(
            Consumer<byte[], byte[]> c,
            PrintWriter out,
            boolean fromBeginning,
            Duration limit,
            SampleGoal goal,
            String bootstrap) {
        long end = limit == null ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
        List<TopicPartition> parts = List.of(Topics.HEADS, Topics.METRICS, Topics.REJECTED).stream()
                .flatMap(t -> c.partitionsFor(t, Duration.ofSeconds(30)).stream()
                        .map(pi -> new TopicPartition(t, pi.partition())))
                .toList();
        if (parts.isEmpty()) {
            throw new IllegalStateException(
                    "no headstream topics at " + bootstrap + " (is the broker up, with topics?)");
        }
        List<TopicPartition> headParts =
                parts.stream().filter(tp -> tp.topic().equals(Topics.HEADS)).toList();
        c.assign(parts);
        Map<TopicPartition, Long> startEnd = c.endOffsets(parts, Duration.ofSeconds(30));
        if (fromBeginning) {
            c.seekToBeginning(parts);
        } else {
            c.seekToEnd(parts);
            if (goal != null) {
                c.seekToBeginning(headParts);
            }
        }
        while (true) {
            if (goal != null
                    && headParts.stream().allMatch(tp -> c.position(tp) >= startEnd.get(tp))
                    && goal.reached()) {
                out.println(goal.reachedMessage());
                out.flush();
                return 0;
            }
            if (System.nanoTime() >= end) {
                if (goal != null) {
                    throw new IllegalStateException(goal.timeoutMessage(limit.toString()));
                }
                return 0;
            }
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                if (goal != null && Topics.HEADS.equals(r.topic())) {
                    goal.accept(r);
                }
                if (fromBeginning || r.offset() >= startEnd.get(new TopicPartition(r.topic(), r.partition()))) {
                    out.println(describe(r));
                }
            }
            out.flush();
        }
    }

    /**
     * One line for a record. Heads and metrics are named by their record key ({@link HeadKeys}); a
     * record whose payload names another head than its key is shown as skipped, with why, never as
     * the head it names.
     */
    static String describe(ConsumerRecord<byte[], byte[]> r) {
        String key = HeadKeys.key(r);
        String at = r.topic() + "-" + r.partition() + "@" + r.offset();
        try {
            if (r.value() == null) {
                return Topics.HEADS.equals(r.topic()) && key != null
                        ? "head    " + HeadKeys.shown(key) + " ERASED (tombstone)"
                        : "skipped " + at + ": an empty record" + (key == null ? " without a key" : "");
            }
            return switch (r.topic()) {
                case Topics.HEADS -> {
                    HeadUpdate h = HeadUpdate.parseFrom(r.value());
                    Optional<String> mismatch = HeadKeys.mismatch(key, h);
                    if (mismatch.isPresent()) {
                        yield "skipped " + at + ": " + mismatch.get();
                    }
                    yield String.format(
                            Locale.ROOT,
                            "head    %s v%d %s samples=%d threshold=%.3f offsets=%d..%d%s",
                            key,
                            h.getVersion(),
                            h.getStatus(),
                            h.getProvenance().getSamplesApplied(),
                            h.getThreshold(),
                            h.getProvenance().getFirstOffset(),
                            h.getProvenance().getLastOffset(),
                            h.getHeldAtSource()
                                    ? " HELD AT THE SOURCE HEAD: " + h.getStatusReason()
                                    : h.getStatusReason().isEmpty() ? "" : " (" + h.getStatusReason() + ")");
                }
                case Topics.METRICS -> {
                    AdaptationMetrics m = AdaptationMetrics.parseFrom(r.value());
                    Optional<String> mismatch = HeadKeys.mismatch(key, m);
                    if (mismatch.isPresent()) {
                        yield "skipped " + at + ": " + mismatch.get();
                    }
                    if (m.getOutputsCount() > 0) {
                        yield classMetrics(key, m);
                    }
                    yield String.format(
                            Locale.ROOT,
                            "metrics %s v%d applied=%d prequential loss src=%.3f ada=%.3f recall src=%.2f ada=%.2f"
                                    + " neg-transfer gap=%+.3f cusum=%.2f/%.2f%s calibration=%d in %.2f h%s%s",
                            key,
                            m.getHeadVersion(),
                            m.getSamplesApplied(),
                            m.getSourcePrequential().getMeanLoss(),
                            m.getAdaptedPrequential().getMeanLoss(),
                            recall(m.getSourcePrequential()),
                            recall(m.getAdaptedPrequential()),
                            m.getNegativeTransferGap(),
                            m.getNegativeTransferStatistic(),
                            m.getNegativeTransferThreshold(),
                            m.getNegativeTransferAlarm() ? " ALARM" : "",
                            m.getCalibrationFalseAccepts(),
                            m.getCalibrationHours(),
                            m.getDriftAlarm() ? " DRIFT" : "",
                            m.getHeldAtSource() ? " HELD" : "");
                }
                default -> {
                    Rejected x = Rejected.parseFrom(r.value());
                    yield String.format(
                            Locale.ROOT,
                            "reject  %s-%d@%d %s: %s",
                            x.getTopic(),
                            x.getPartition(),
                            x.getOffset(),
                            x.getReason(),
                            x.getMessage());
                }
            };
        } catch (InvalidProtocolBufferException e) {
            return "unreadable record on " + at + ": " + HeadKeys.shown(e.getMessage());
        }
    }

    /**
     * A class head's metrics line: start and adapted head's prequential (and, once scored, holdout)
     * loss and accuracy, then per output its right / labeled counts.
     */
    static String classMetrics(String key, AdaptationMetrics m) {
        StringBuilder b = new StringBuilder(String.format(
                Locale.ROOT,
                "metrics %s v%d applied=%d prequential loss src=%.3f ada=%.3f accuracy src=%.2f ada=%.2f",
                key,
                m.getHeadVersion(),
                m.getSamplesApplied(),
                m.getSourcePrequential().getMeanLoss(),
                m.getAdaptedPrequential().getMeanLoss(),
                m.getSourcePrequential().getAccuracy(),
                m.getAdaptedPrequential().getAccuracy()));
        if (m.getAdaptedHoldout().getCount() > 0) {
            b.append(String.format(
                    Locale.ROOT,
                    " holdout accuracy src=%.2f ada=%.2f (%d)",
                    m.getSourceHoldout().getAccuracy(),
                    m.getAdaptedHoldout().getAccuracy(),
                    m.getAdaptedHoldout().getCount()));
        }
        b.append(" outputs");
        for (var o : m.getOutputsList()) {
            b.append(' ')
                    .append(o.getLabel())
                    .append('=')
                    .append(o.getCorrect())
                    .append('/')
                    .append(o.getLabeled());
        }
        return b.toString();
    }

    private static double recall(HeadScore s) {
        return s.getPositives() == 0 ? 0 : s.getTruePositives() / (double) s.getPositives();
    }
}
