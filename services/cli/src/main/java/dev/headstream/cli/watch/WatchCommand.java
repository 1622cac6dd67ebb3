package dev.headstream.cli.watch;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.client.HeadKeys;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadScore;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Rejected;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints head versions, metrics and rejects as they are committed. */
@Command(
        name = "watch",
        mixinStandardHelpOptions = true,
        description = "Print head versions, adaptation metrics and rejects as they arrive (read_committed).")
public final class WatchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--bootstrap",
            defaultValue = "127.0.0.1:9092",
            description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}).")
    String bootstrap;

    @Option(names = "--from-beginning", description = "Start at the beginning of the topics instead of their end.")
    boolean fromBeginning;

    @Option(names = "--duration", description = "Stop after this ISO-8601 duration (default: run until Ctrl-C).")
    Duration duration;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = List.of(Topics.HEADS, Topics.METRICS, Topics.REJECTED).stream()
                    .flatMap(t -> c.partitionsFor(t, Duration.ofSeconds(30)).stream()
                            .map(pi -> new TopicPartition(t, pi.partition())))
                    .toList();
            if (parts.isEmpty()) {
                throw new IllegalStateException(
                        "no headstream topics at " + bootstrap + " (is the broker up, with topics?)");
            }
            c.assign(parts);
            if (fromBeginning) {
                c.seekToBeginning(parts);
            } else {
                c.seekToEnd(parts);
            }
            while (System.nanoTime() < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    out.println(describe(r));
                }
                out.flush();
            }
        }
        return 0;
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

    private static double recall(HeadScore s) {
        return s.getPositives() == 0 ? 0 : s.getTruePositives() / (double) s.getPositives();
    }
}
