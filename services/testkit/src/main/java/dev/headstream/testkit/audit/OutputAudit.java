package dev.headstream.testkit.audit;

import com.google.protobuf.InvalidProtocolBufferException;
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
 * Every violation is a line in {@link Result#errors()}, named by head, capped at 20 per kind so a
 * systematic fault stays readable.
 */
public final class OutputAudit {

    private static final int MAX_ERRORS_PER_KIND = 20;

    /**
     * What the output holds.
     *
     * @param heads          head ids with at least one version
     * @param headRecords    committed head versions
     * @param metricsRecords committed metrics records
     * @param rejects        committed reject records, by reason
     * @param errors         invariant violations (empty when the output is exactly once)
     */
    public record Result(
            int heads, long headRecords, long metricsRecords, Map<String, Long> rejects, List<String> errors) {

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
        List<String> versionErrors = new ArrayList<>();
        List<String> metricsErrors = new ArrayList<>();
        // newest version and samples applied per head; head records are streamed, not kept (0.85 MB each)
        Map<String, long[]> newest = new HashMap<>();
        long[] headRecords = {0};
        TopicReader.forEach(bootstrap, Topics.HEADS, timeout, true, r -> {
            headRecords[0]++;
            HeadUpdate h = parse(r.value(), HeadUpdate::parseFrom);
            long[] before = newest.get(h.getHeadId());
            long want = before == null ? 1 : before[0] + 1;
            if (h.getVersion() != want) {
                add(versionErrors, h.getHeadId() + ": version " + h.getVersion() + " where " + want + " was next");
            }
            newest.put(
                    h.getHeadId(), new long[] {h.getVersion(), h.getProvenance().getSamplesApplied()});
        });
        Map<String, Long> lastSeen = new HashMap<>();
        long metricsRecords = 0;
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(bootstrap, Topics.METRICS, timeout)) {
            metricsRecords++;
            AdaptationMetrics m = parse(r.value(), AdaptationMetrics::parseFrom);
            long want = lastSeen.getOrDefault(m.getHeadId(), 0L) + 1;
            if (m.getSamplesSeen() != want) {
                add(
                        metricsErrors,
                        m.getHeadId() + ": metrics record for sample " + m.getSamplesSeen() + " where " + want
                                + " was next"
                                + (m.getSamplesSeen() < want ? " (a sample counted twice)" : " (a sample lost)"));
            }
            lastSeen.put(m.getHeadId(), m.getSamplesSeen());
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
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(bootstrap, Topics.REJECTED, timeout)) {
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
        return new Result(newest.size(), headRecords[0], metricsRecords, rejects, errors);
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
