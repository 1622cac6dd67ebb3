package dev.headstream.adapter.flow;

import dev.headstream.adapter.HeadstreamConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;

/**
 * Which consumed partitions are not making progress, for readiness, metrics and the flow's waits:
 *
 * <ul>
 *   <li><b>retrying</b>: a batch of theirs failed processing and is being retried, or its failing
 *       record isolated ({@link PoisonIsolation}); bounded, it ends with the batch's transaction;</li>
 *   <li><b>aborting</b>: the transaction of a batch starting at the same offset aborted again and
 *       again (a failure the output check cannot foresee, such as a broker that refuses the
 *       records). Counted per partition and batch start offset ({@link #aborted}); a commit, a
 *       rebalance, a batch that starts elsewhere, or {@link #STALE_AFTER} without another abort ends
 *       the streak. Before consuming such a batch again the flow waits {@link #backoffBefore}, doubling
 *       up to {@code headstream.poison.max-backoff-ms}; a streak of {@code headstream.poison.attempts}
 *       or more aborts makes the partition <b>stalled</b> ({@link #stalled()}), and readiness DOWN.</li>
 * </ul>
 *
 * Created at start-up, where it checks the {@code headstream.poison.*} settings ({@link RetryPolicy}).
 * Written on the flow's thread, read from any thread. Thread-safe.
 */
@Startup
@ApplicationScoped
public class PartitionRetries {

    /** How long an abort streak counts without another abort (its partition may have moved to another instance). */
    static final Duration STALE_AFTER = Duration.ofMinutes(5);

    /**
     * Consecutive aborts of one partition's batch from one start offset.
     *
     * @param startOffset the batch's first offset on the partition
     * @param count       aborts in a row
     * @param lastNanos   when the last one was counted
     */
    record Streak(long startOffset, int count, long lastNanos) {}

    private final RetryPolicy policy;
    private final LongSupplier nanoClock;
    private final Set<TopicPartition> retrying = ConcurrentHashMap.newKeySet();
    private final Map<TopicPartition, Streak> streaks = new ConcurrentHashMap<>();

    @Inject
    public PartitionRetries(HeadstreamConfig config) {
        this(RetryPolicy.of(config.poison()), System::nanoTime);
    }

    PartitionRetries(RetryPolicy policy, LongSupplier nanoClock) {
        this.policy = policy;
        this.nanoClock = nanoClock;
    }

    /** The retry policy ({@code headstream.poison.*}). */
    public RetryPolicy policy() {
        return policy;
    }

    /** A batch of {@code partitions} failed processing: it is being retried or its failing record isolated. */
    void retrying(Collection<TopicPartition> partitions) {
        retrying.addAll(partitions);
    }

    /** The batch of {@code partitions} is processed (or given up): they are no longer retrying. */
    void settled(Collection<TopicPartition> partitions) {
        retrying.removeAll(partitions);
    }

    /**
     * The transaction of a batch that starts at {@code startOffsets} aborted.
     *
     * @return the longest streak of aborts among its partitions, this one included
     */
    int aborted(Map<TopicPartition, Long> startOffsets) {
        long now = nanoClock.getAsLong();
        int longest = 0;
        for (Map.Entry<TopicPartition, Long> e : startOffsets.entrySet()) {
            Streak s = streaks.compute(e.getKey(), (tp, old) -> {
                boolean same = old != null && old.startOffset() == e.getValue() && live(old, now);
                return new Streak(e.getValue(), same ? old.count() + 1 : 1, now);
            });
            longest = Math.max(longest, s.count());
        }
        return longest;
    }

    /** The batch of {@code partitions} committed (their streaks end). */
    void committed(Collection<TopicPartition> partitions) {
        partitions.forEach(streaks::remove);
    }

    /** {@code partitions} were taken by a rebalance: this instance no longer tries them. */
    void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(streaks::remove);
        retrying.removeAll(partitions);
    }

    /**
     * How long to wait before processing a batch that starts at {@code startOffsets}: nothing, unless
     * the transaction of a batch from the same offsets aborted already; then the retry wait for the
     * streak's length ({@link RetryPolicy#backoff}).
     */
    Duration backoffBefore(Map<TopicPartition, Long> startOffsets) {
        long now = nanoClock.getAsLong();
        int longest = 0;
        for (Map.Entry<TopicPartition, Long> e : startOffsets.entrySet()) {
            Streak s = streaks.get(e.getKey());
            if (s != null && s.startOffset() == e.getValue() && live(s, now)) {
                longest = Math.max(longest, s.count());
            }
        }
        return policy.backoff(longest);
    }

    /** Partitions with a batch in retry or isolation now, as {@code topic-partition}, sorted. */
    public Set<String> retryingPartitions() {
        Set<String> out = new TreeSet<>();
        retrying.forEach(tp -> out.add(tp.toString()));
        return out;
    }

    /** Per partition ({@code topic-partition}), the live abort streaks: how many aborts in a row, and from which offset. */
    public Map<String, String> abortStreaks() {
        long now = nanoClock.getAsLong();
        Map<String, String> out = new TreeMap<>();
        streaks.forEach((tp, s) -> {
            if (live(s, now)) {
                out.put(tp.toString(), s.count() + " aborts from offset " + s.startOffset());
            }
        });
        return out;
    }

    /** The longest live abort streak of any partition; 0 = none. */
    public int longestStreak() {
        long now = nanoClock.getAsLong();
        return streaks.values().stream()
                .filter(s -> live(s, now))
                .mapToInt(Streak::count)
                .max()
                .orElse(0);
    }

    /** Partitions retrying or with a live abort streak. */
    public int troubled() {
        long now = nanoClock.getAsLong();
        Set<TopicPartition> out = new HashSet<>(retrying);
        streaks.forEach((tp, s) -> {
            if (live(s, now)) {
                out.add(tp);
            }
        });
        return out.size();
    }

    /**
     * Whether a partition is stalled: its batch's transaction aborted {@code headstream.poison.attempts}
     * times in a row or more, recently. Readiness is DOWN while it is.
     */
    public boolean stalled() {
        return longestStreak() >= policy.attempts();
    }

    private static boolean live(Streak s, long now) {
        return now - s.lastNanos() <= STALE_AFTER.toNanos();
    }
}
