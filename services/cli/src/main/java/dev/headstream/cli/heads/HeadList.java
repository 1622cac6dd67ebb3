package dev.headstream.cli.heads;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.client.HeadKeys;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The newest version of each head on {@value Topics#HEADS} joined with its newest record on
 * {@value Topics#METRICS}, built from records handed in topic order (offset order per partition),
 * as a {@link dev.headstream.client.HeadFollower} files them: the record key decides whose head a
 * record is, a record whose payload names another head ({@link HeadKeys}) or that does not parse is
 * skipped and listed, a head version at or below the one held is ignored, and a tombstone removes
 * the head. The newest metrics record of a head is the last one under its key. Records outside
 * the {@link Filter} are ignored.
 *
 * <p>Call order: {@link #acceptHead} for every record of the heads topic and {@link #acceptMetrics}
 * for every record of the metrics topic, in any interleaving, then {@link #rows()}. Not
 * thread-safe.
 */
public final class HeadList {

    /** How many skipped records {@link #skipped()} lists before it counts the rest. */
    static final int MAX_SKIPPED_LISTED = 5;

    /**
     * Which heads to list: those whose tenant is one of {@code tenants} and whose user is one of
     * {@code users}; an empty set does not filter.
     */
    public record Filter(Set<String> tenants, Set<String> users) {

        public static final Filter ALL = new Filter(Set.of(), Set.of());

        public Filter {
            tenants = Set.copyOf(tenants);
            users = Set.copyOf(users);
        }

        boolean accepts(String tenant, String user) {
            return (tenants.isEmpty() || tenants.contains(tenant)) && (users.isEmpty() || users.contains(user));
        }
    }

    /**
     * A head's newest metrics record, as far as {@code heads} shows it.
     *
     * @param alarms the flags set on it, in the order {@link #ALARMS} names them
     */
    public record Metrics(
            long headVersion,
            long samplesApplied,
            long createdTimeMs,
            boolean negativeTransferAlarm,
            boolean driftAlarm,
            boolean lossRiseAlarm,
            boolean errorRiseAlarm,
            boolean heldAtSource,
            String heldReason,
            List<String> alarms) {

        public Metrics {
            alarms = List.copyOf(alarms);
        }

        static Metrics of(AdaptationMetrics m) {
            boolean[] set = {
                m.getNegativeTransferAlarm(),
                m.getDriftAlarm(),
                m.getLossRiseAlarm(),
                m.getErrorRiseAlarm(),
                m.getHeldAtSource()
            };
            List<String> alarms = new ArrayList<>();
            for (int i = 0; i < set.length; i++) {
                if (set[i]) {
                    alarms.add(ALARMS.get(i));
                }
            }
            return new Metrics(
                    m.getHeadVersion(),
                    m.getSamplesApplied(),
                    m.getCreatedTimeMs(),
                    set[0],
                    set[1],
                    set[2],
                    set[3],
                    set[4],
                    m.getHeldReason(),
                    alarms);
        }
    }

    /** The names of the metrics flags {@link Metrics#alarms} lists, in its order. */
    public static final List<String> ALARMS =
            List.of("negative-transfer", "drift", "loss-rise", "error-rise", "held-at-source");

    /**
     * One head: its newest version and its newest metrics record, if any.
     *
     * @param status the head status without its {@code HEAD_STATUS_} prefix ({@code ACTIVE}, ...)
     * @param output what the head's outputs are: {@code sigmoid} (a binary head), {@code softmax} or
     *               {@code multi-label} (a class head, which has no threshold)
     * @param outputLabels a class head's output names; empty for a binary head
     */
    public record Row(
            String headId,
            String tenant,
            String user,
            String task,
            long version,
            String status,
            String statusReason,
            long samplesApplied,
            float threshold,
            boolean heldAtSource,
            long createdTimeMs,
            Optional<Metrics> metrics,
            String output,
            List<String> outputLabels) {

        /** Whether it is a class head (multi-class or multi-label). */
        public boolean classHead() {
            return output.equals("softmax") || output.equals("multi-label");
        }
    }

    private final Filter filter;
    private final Map<String, HeadUpdate> heads = new TreeMap<>();
    private final Map<String, AdaptationMetrics> metrics = new TreeMap<>();
    private final List<String> skipped = new ArrayList<>();
    private long skippedCount;

    public HeadList(Filter filter) {
        this.filter = filter;
    }

    /** Files one record of {@value Topics#HEADS}. */
    public void acceptHead(ConsumerRecord<byte[], byte[]> r) {
        String key = HeadKeys.key(r);
        if (!wanted(r, key)) {
            return;
        }
        if (r.value() == null) {
            heads.remove(key);
            return;
        }
        try {
            HeadUpdate u = HeadUpdate.parseFrom(r.value());
            Optional<String> why = HeadKeys.mismatch(key, u);
            if (why.isPresent()) {
                skip(r, why.get());
                return;
            }
            HeadUpdate held = heads.get(key);
            if (held == null || u.getVersion() > held.getVersion()) {
                heads.put(key, u);
            }
        } catch (InvalidProtocolBufferException e) {
            skip(r, "not a HeadUpdate: " + HeadKeys.shown(e.getMessage()));
        }
    }

    /** Files one record of {@value Topics#METRICS}. */
    public void acceptMetrics(ConsumerRecord<byte[], byte[]> r) {
        String key = HeadKeys.key(r);
        if (!wanted(r, key)) {
            return;
        }
        if (r.value() == null) {
            skip(r, "an empty record");
            return;
        }
        try {
            AdaptationMetrics m = AdaptationMetrics.parseFrom(r.value());
            Optional<String> why = HeadKeys.mismatch(key, m);
            if (why.isPresent()) {
                skip(r, why.get());
                return;
            }
            metrics.put(key, m);
        } catch (InvalidProtocolBufferException e) {
            skip(r, "not an AdaptationMetrics: " + HeadKeys.shown(e.getMessage()));
        }
    }

    /** The heads, sorted by head id; a head without a metrics record has an empty {@link Row#metrics}. */
    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (HeadUpdate u : heads.values()) {
            AdaptationMetrics m = metrics.get(u.getHeadId());
            rows.add(new Row(
                    u.getHeadId(),
                    u.getTenant(),
                    u.getUser(),
                    u.getTask(),
                    u.getVersion(),
                    status(u.getStatus()),
                    u.getStatusReason(),
                    u.getProvenance().getSamplesApplied(),
                    u.getThreshold(),
                    u.getHeldAtSource(),
                    u.getCreatedTimeMs(),
                    Optional.ofNullable(m).map(Metrics::of),
                    u.getSpec().getOutput().isEmpty() ? "sigmoid" : u.getSpec().getOutput(),
                    List.copyOf(u.getSpec().getOutputLabelsList())));
        }
        return rows;
    }

    /**
     * One line per skipped record ({@code topic-partition@offset: why}), the first
     * {@value #MAX_SKIPPED_LISTED} listed, then a count of the rest.
     */
    public List<String> skipped() {
        List<String> out = new ArrayList<>(skipped);
        if (skippedCount > skipped.size()) {
            out.add("... and " + (skippedCount - skipped.size()) + " more");
        }
        return out;
    }

    /** {@code HEAD_STATUS_ACTIVE} -> {@code ACTIVE}. */
    static String status(HeadStatus s) {
        return s.name().startsWith("HEAD_STATUS_") ? s.name().substring("HEAD_STATUS_".length()) : s.name();
    }

    /**
     * Whether a record concerns a head the filter keeps; a record whose key is not a head id is
     * skipped (listed), whatever the filter.
     */
    private boolean wanted(ConsumerRecord<byte[], byte[]> r, String key) {
        String[] parts = key == null ? new String[0] : key.split("/", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
            skip(
                    r,
                    key == null
                            ? "record has no key; expected '<tenant>/<user>/<task>'"
                            : "record key '" + HeadKeys.shown(key) + "' is not '<tenant>/<user>/<task>'");
            return false;
        }
        return filter.accepts(parts[0], parts[1]);
    }

    private void skip(ConsumerRecord<byte[], byte[]> r, String why) {
        if (skippedCount++ < MAX_SKIPPED_LISTED) {
            skipped.add(r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + why);
        }
    }
}
