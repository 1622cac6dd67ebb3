package dev.headstream.testkit.audit;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.client.HeadKeys;
import dev.headstream.client.TopicReader;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Rejected;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The exactly-once invariants of the adapter's output, read back from the broker as a
 * {@code read_committed} consumer sees it, against what was sent:
 * <ul>
 *   <li>heads: every head's versions are 1, 2, 3, ... each once, in order, and the newest one says
 *       all of the user's samples were applied;</li>
 *   <li>metrics: exactly one record per applied sample, so every head's {@code samples_seen} runs
 *       1, 2, ..., n (n = the samples sent for it) with no gap and no repeat;</li>
 *   <li>rejects: none, or exactly as many of each reason as a test expects (a workload of good samples
 *       expects none; a producer retry the adapter saw twice would show here as DUPLICATE).</li>
 * </ul>
 * The heads check needs the whole history: {@code headstream.heads} is compacted, so a run that
 * audits it holds compaction off ({@code min.compaction.lag.ms}), as the tools' {@code FaultSoak} does.
 * Head and metrics records are filed by record key ({@link HeadKeys}); a record whose payload names
 * another head than its key is not the adapter's output (a forged record, say): it is skipped and
 * counted in {@link Result#foreign()}, and a head's tombstone starts its versions afresh.
 * Every violation is a line in {@link Result#errors()}, named by head, capped at 20 per kind so a
 * systematic fault stays readable.
 */
public final class OutputAudit {

    private static final int MAX_ERRORS_PER_KIND = 20;

    /**
     * What the output holds.
     *
     * @param heads          head ids with at least one version
     * @param headRecords    committed head versions filed under their key (tombstones and foreign
     *                       records not counted)
     * @param metricsRecords committed metrics records filed under their key (foreign ones not counted)
     * @param rejects        committed reject records, by reason
     * @param foreign        committed head and metrics records skipped because their payload names
     *                       another head than their record key (or they have no key)
     * @param errors         invariant violations (empty when the output is exactly once)
     */
    public record Result(
            int heads,
            long headRecords,
            long metricsRecords,
            Map<String, Long> rejects,
            long foreign,
            List<String> errors) {

        public long rejectCount() {
            return rejects.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private OutputAudit() {}

    /**
     * Reads {@code headstream.heads}, {@code headstream.metrics} and {@code headstream.rejected} to
     * their ends and checks them against {@code expected}: the number of samples sent per head id.
     */
    public static Result check(String bootstrap, Map<String, Long> expected, Duration timeout) {
        return check(bootstrap, expected, Map.of(), timeout);
    }

    /**
     * {@link #check(String, Map, Duration)} for a workload with bad records among the good: exactly
     * {@code expectedRejects} (reject reason name -> count) are expected; any other count of any
     * reason is an error.
     */
    public static Result check(
            String bootstrap, Map<String, Long> expected, Map<String, Long> expectedRejects, Duration timeout) {
        return check(
                action -> TopicReader.forEach(bootstrap, Topics.HEADS, timeout, true, action),
                () -> TopicReader.readAll(bootstrap, Topics.METRICS, timeout),
                () -> TopicReader.readAll(bootstrap, Topics.REJECTED, timeout),
                expected,
                expectedRejects);
    }

    /**
     * {@link #check(String, Map, Map, Duration)} on records already read: {@code heads} hands every head
     * record to the action it is given (streamed: head versions are large), in offset order per
     * partition; {@code metrics} and {@code rejected} read theirs when asked, in that order, after the heads.
     */
    static Result check(
            Consumer<Consumer<ConsumerRecord<byte[], byte[]>>> heads,
            Supplier<List<ConsumerRecord<byte[], byte[]>>> metrics,
            Supplier<List<ConsumerRecord<byte[], byte[]>>> rejected,
            Map<String, Long> expected) {
        return check(heads, metrics, rejected, expected, Map.of());
    }

    static Result check(
            Consumer<Consumer<ConsumerRecord<byte[], byte[]>>> heads,
            Supplier<List<ConsumerRecord<byte[], byte[]>>> metrics,
            Supplier<List<ConsumerRecord<byte[], byte[]>>> rejected,
            Map<String, Long> expected,
            Map<String, Long> expectedRejects) {
        List<String> versionErrors = new ArrayList<>();
        List<String> metricsErrors = new ArrayList<>();
        // newest version and samples applied per head; head records are streamed, not kept (0.85 MB each)
        Map<String, long[]> newest = new HashMap<>();
        long[] headRecords = {0};
        long[] foreign = {0};
        heads.accept(r -> {
            String key = HeadKeys.key(r);
            if (r.value() == null) {
                if (key == null) {
                    foreign[0]++;
                } else {
                    newest.remove(key); // erased: a new head of this key starts at version 1
                }
                return;
            }
            HeadUpdate h = parse(r.value(), HeadUpdate::parseFrom);
            if (HeadKeys.mismatch(key, h).isPresent()) {
                foreign[0]++;
                return;
            }
            headRecords[0]++;
            long[] before = newest.get(key);
            long want = before == null ? 1 : before[0] + 1;
            if (h.getVersion() != want) {
                add(versionErrors, key + ": version " + h.getVersion() + " where " + want + " was next");
            }
            newest.put(key, new long[] {h.getVersion(), h.getProvenance().getSamplesApplied()});
        });
        Map<String, Long> lastSeen = new HashMap<>();
        long metricsRecords = 0;
        for (ConsumerRecord<byte[], byte[]> r : metrics.get()) {
            String key = HeadKeys.key(r);
            AdaptationMetrics m = parse(r.value(), AdaptationMetrics::parseFrom);
            if (HeadKeys.mismatch(key, m).isPresent()) {
                foreign[0]++;
                continue;
            }
            metricsRecords++;
            long want = lastSeen.getOrDefault(key, 0L) + 1;
            if (m.getSamplesSeen() != want) {
                add(
                        metricsErrors,
                        key + ": metrics record for sample " + m.getSamplesSeen() + " where " + want
                                + " was next"
                                + (m.getSamplesSeen() < want ? " (a sample counted twice)" : " (a sample lost)"));
            }
            lastSeen.put(key, m.getSamplesSeen());
        }
        for (Map.Entry<String, Long> e : new TreeMap<>(expected).entrySet()) {
            String id = e.getKey();
            long seen = lastSeen.getOrDefault(id, 0L);
            if (seen != e.getValue()) {
                add(metricsErrors, id + ": metrics end at sample " + seen + " of " + e.getValue() + " sent");
            }
            long[] h = newest.get(id);
            if (h == null) {
                add(versionErrors, id + ": no head published");
            } else if (h[1] != e.getValue()) {
                add(
                        versionErrors,
                        id + ": newest version " + h[0] + " applied " + h[1] + " of " + e.getValue() + " samples");
            }
        }
        for (String id : lastSeen.keySet()) {
            if (!expected.containsKey(id)) {
                add(metricsErrors, id + ": metrics for a head nobody sent samples to");
            }
        }
        Map<String, Long> rejects = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : rejected.get()) {
            rejects.merge(parse(r.value(), Rejected::parseFrom).getReason().name(), 1L, Long::sum);
        }
        List<String> errors = new ArrayList<>(versionErrors);
        errors.addAll(metricsErrors);
        Map<String, Long> reasons = new TreeMap<>(expectedRejects);
        rejects.keySet().forEach(reason -> reasons.putIfAbsent(reason, 0L));
        reasons.forEach((reason, want) -> {
            long n = rejects.getOrDefault(reason, 0L);
            if (n != want) {
                errors.add(
                        n + " records rejected as " + reason + (want == 0 ? "" : " where " + want + " were expected"));
            }
        });
        return new Result(newest.size(), headRecords[0], metricsRecords, rejects, foreign[0], errors);
    }

    private static void add(List<String> errors, String error) {
        if (errors.size() < MAX_ERRORS_PER_KIND) {
            errors.add(error);
        } else if (errors.size() == MAX_ERRORS_PER_KIND) {
            errors.add("... (more of this kind not listed)");
        }
    }

    private interface Parser<T> {
        T parse(byte[] bytes) throws InvalidProtocolBufferException;
    }

    private static <T> T parse(byte[] value, Parser<T> parser) {
        try {
            return parser.parse(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the adapter published a record that does not parse: " + e.getMessage(), e);
        }
    }
}
