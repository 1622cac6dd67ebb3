package dev.headstream.adapter.state;

import dev.headstream.adapter.KafkaClientSettings;
import dev.headstream.schemas.Topics;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Reads partitions of the compacted {@code headstream.adapter-state} changelog from the beginning
 * to their end ({@code read_committed}) with a consumer of its own, closed after each read.
 */
@ApplicationScoped
public class ChangelogReader {

    /**
     * The newest record of one key in one changelog partition.
     *
     * @param partition the changelog partition (the samples partition of the same number)
     * @param offset    the record's offset in it
     * @param key       the record key as UTF-8 text ({@code "<tenant>/<user>"} when the adapter wrote
     *                  it), or null for a record without a key
     * @param value     the record value, or null for a tombstone (the user was erased) and for a record
     *                  left out of the value budget ({@link #held} false)
     * @param held      false when the read kept only the key and offset of this record: more users than
     *                  the budget {@link #newest(List, int, BooleanSupplier)} was given hold state in the partitions
     */
    public record Entry(int partition, long offset, String key, byte[] value, boolean held) {

        /** An entry whose value (or tombstone) was kept. */
        public Entry(int partition, long offset, String key, byte[] value) {
            this(partition, offset, key, value, true);
        }

        /** Whether this is a tombstone (the user was erased), not a record left out of the budget. */
        public boolean tombstone() {
            return value == null && held;
        }
    }

    /** Which key of which partition: the unit compaction keeps one record of. */
    record PartitionKey(int partition, String key) {}

    /**
     * The newest record of every key of every partition among the records {@linkplain #add added}
     * in offset order per partition: what compaction keeps. Holds the values of at most
     * {@code budget} keys with state (tombstones cost nothing): past it, it keeps only keys and
     * offsets ({@link #overBudget()}), so that a partition holding many users' state cannot exhaust
     * the heap, and a second read fetches the values of the first {@code budget} keys
     * ({@link #selected()}, {@link #hold}). Not thread-safe.
     */
    static final class Newest {

        private final Map<PartitionKey, Entry> newest = new LinkedHashMap<>();
        private final int budget;
        private int withValue;
        private boolean overBudget;

        Newest() {
            this(Integer.MAX_VALUE);
        }

        Newest(int budget) {
            this.budget = budget;
        }

        /** Takes {@code r}, which replaces an earlier record of its key in its partition. */
        void add(ConsumerRecord<byte[], byte[]> r) {
            String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
            PartitionKey pk = new PartitionKey(r.partition(), key);
            Entry old = newest.get(pk);
            if (old != null && old.value() != null) {
                withValue--;
            }
            if (r.value() == null) {
                newest.put(pk, new Entry(r.partition(), r.offset(), key, null, true));
                return;
            }
            if (!overBudget && withValue >= budget) {
                overBudget = true;
                // keys and offsets only from here on, for every key: a second read fetches the values
                newest.replaceAll((k, e) -> e.value() == null ? e : keyOnly(e));
                withValue = 0;
            }
            if (overBudget) {
                newest.put(pk, new Entry(r.partition(), r.offset(), key, null, false));
            } else {
                newest.put(pk, new Entry(r.partition(), r.offset(), key, r.value(), true));
                withValue++;
            }
        }

        private static Entry keyOnly(Entry e) {
            return new Entry(e.partition(), e.offset(), e.key(), null, false);
        }

        /** Whether more keys with state than the budget were read (values then need a second read). */
        boolean overBudget() {
            return overBudget;
        }

        /**
         * The entries whose values a second read keeps: the first {@code budget} keys with state, in
         * {@link #entries()} order, by partition and offset of their newest record.
         */
        Map<Integer, Map<Long, PartitionKey>> selected() {
            Map<Integer, Map<Long, PartitionKey>> out = new HashMap<>();
            int n = 0;
            for (Entry e : entries()) {
                if (!e.held() && n < budget) {
                    out.computeIfAbsent(e.partition(), p -> new HashMap<>())
                            .put(e.offset(), new PartitionKey(e.partition(), e.key()));
                    n++;
                }
            }
            return out;
        }

        /** Keeps the value of {@code r}, a record {@link #selected()} names. */
        void hold(ConsumerRecord<byte[], byte[]> r, PartitionKey pk) {
            Entry e = newest.get(pk);
            if (e != null && e.offset() == r.offset()) {
                newest.put(pk, new Entry(r.partition(), r.offset(), e.key(), r.value(), true));
            }
        }

        /** In partition order and, within a partition, in the order the keys first appeared. */
        List<Entry> entries() {
            List<Entry> out = new ArrayList<>(newest.values());
            out.sort(Comparator.comparingInt(Entry::partition));
            return out;
        }
    }

    private static final Logger LOG = Logger.getLogger(ChangelogReader.class);

    private final String bootstrapServers;

    /** The consumer that reads gaps before a batch's records (one batch at a time), made on first use. */
    private KafkaConsumer<byte[], byte[]> gapReader;

    /** The changelog topic's id, once asked. */
    private String topicId;

    public ChangelogReader(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /** {@link #newest(List, int, BooleanSupplier)} with no budget, never cancelled: every value held. */
    public List<Entry> newest(List<Integer> partitionNumbers) {
        return newest(partitionNumbers, Integer.MAX_VALUE, () -> false);
    }

    /**
     * The newest record of every key in each of the given changelog partitions (what compaction
     * keeps), in partition order and, within a partition, in the order the keys first appear. The
     * same key in two partitions gives two entries. At most {@code valueBudget} entries with state
     * hold their value: when the partitions hold more users, the read keeps keys and offsets only and
     * reads the partitions a second time for the first {@code valueBudget} users' values; the others
     * come back with {@link Entry#held()} false. Memory is then bounded by the budget (and the keys),
     * not by how many users the partitions hold. The read stops with a {@link CancellationException}
     * at the first poll after {@code cancelled} turns true (the partitions were revoked while it read
     * them).
     */
    public List<Entry> newest(List<Integer> partitionNumbers, int valueBudget, BooleanSupplier cancelled) {
        Newest newest = new Newest(Math.max(0, valueBudget));
        List<TopicPartition> parts = partitionNumbers.stream()
                .map(n -> new TopicPartition(Topics.ADAPTER_STATE, n))
                .toList();
        try (KafkaConsumer<byte[], byte[]> c = consumer()) {
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            readToEnd(c, parts, end, cancelled, newest::add);
            if (newest.overBudget()) {
                Map<Integer, Map<Long, PartitionKey>> selected = newest.selected();
                c.seekToBeginning(parts);
                readToEnd(c, parts, end, cancelled, r -> {
                    PartitionKey pk =
                            selected.getOrDefault(r.partition(), Map.of()).get(r.offset());
                    if (pk != null) {
                        newest.hold(r, pk);
                    }
                });
            }
        }
        return newest.entries();
    }

    /**
     * Reads changelog partition {@code partition} from offset {@code from} to its end as it stands now,
     * handing {@code batch} the records of each poll in offset order, one {@link Entry} per record (a
     * key's later record replaces what its earlier one did). Holds one poll's records at a time. The
     * read stops with a {@link CancellationException} at the first poll after {@code cancelled} turns
     * true (the partition was revoked while it read it).
     *
     * @return the end offset it read to (where the next record will be)
     */
    public long read(
            int partition, long from, BooleanSupplier cancelled, java.util.function.Consumer<List<Entry>> batch) {
        TopicPartition tp = new TopicPartition(Topics.ADAPTER_STATE, partition);
        try (KafkaConsumer<byte[], byte[]> c = consumer()) {
            c.assign(List.of(tp));
            long end = c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
            long begin = c.beginningOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
            if (from >= end) {
                return end;
            }
            // from 0: the log may start later (compaction, retention); a checkpoint before the start was refused
            c.seek(tp, Math.max(from, begin));
            ReadProgress progress = new ReadProgress();
            while (c.position(tp) < end) {
                stopIf(cancelled, tp.toString());
                progress.at(c.position(tp), "reading changelog partition " + tp + " to offset " + end);
                List<Entry> entries = new ArrayList<>();
                // short polls: a range holding only a commit marker returns no record, and waits the whole poll
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(50))) {
                    if (r.offset() < end) {
                        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
                        entries.add(new Entry(r.partition(), r.offset(), key, r.value()));
                    }
                }
                if (!entries.isEmpty()) {
                    batch.accept(entries);
                }
            }
            return end;
        }
    }

    /**
     * Whether changelog partition {@code partition} holds no committed record at offsets {@code from}
     * to {@code to} (exclusive): only aborted records and transaction markers. False when that cannot
     * be read within {@code timeout} (a transaction still open there: it may yet commit).
     */
    public synchronized boolean noCommittedRecords(int partition, long from, long to, Duration timeout) {
        TopicPartition tp = new TopicPartition(Topics.ADAPTER_STATE, partition);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (gapReader == null) {
                Properties p = properties();
                // an offset below the log's start is an error, not a jump to its end
                p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
                gapReader = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            }
            KafkaConsumer<byte[], byte[]> c = gapReader;
            c.assign(List.of(tp));
            c.seek(tp, from);
            while (c.position(tp) < to) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(50))) {
                    if (r.offset() < to) {
                        return false;
                    }
                }
            }
            return true;
        } catch (RuntimeException e) {
            LOG.infof("reading changelog partition %d from %d to %d failed: %s", partition, from, to, e.toString());
            return false;
        }
    }

    @PreDestroy
    synchronized void close() {
        if (gapReader != null) {
            gapReader.close(Duration.ofSeconds(5));
        }
    }

    /** The first offset and the log's end (read_uncommitted: open transactions included) of {@code partition} now. */
    public long[] bounds(int partition) {
        TopicPartition tp = new TopicPartition(Topics.ADAPTER_STATE, partition);
        Properties p = properties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return new long[] {
                c.beginningOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp),
                c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp)
            };
        }
    }

    /**
     * The changelog topic's id (a topic deleted and created again under its name has another), asked of
     * the cluster once per process.
     */
    public synchronized String topicId() {
        if (topicId != null) {
            return topicId;
        }
        Admin admin = Admin.create(KafkaClientSettings.client(bootstrapServers));
        try {
            topicId = admin.describeTopics(List.of(Topics.ADAPTER_STATE))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(Topics.ADAPTER_STATE)
                    .topicId()
                    .toString();
            return topicId;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing " + Topics.ADAPTER_STATE, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe " + Topics.ADAPTER_STATE + ": " + e.getMessage(), e);
        } finally {
            admin.close(Duration.ofSeconds(5));
        }
    }

    private static void readToEnd(
            KafkaConsumer<byte[], byte[]> c,
            List<TopicPartition> parts,
            Map<TopicPartition, Long> end,
            BooleanSupplier cancelled,
            java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> action) {
        ReadProgress progress = new ReadProgress();
        while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
            stopIf(cancelled, parts.toString());
            progress.at(parts.stream().mapToLong(c::position).sum(), "reading changelog partitions " + parts);
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    action.accept(r);
                }
            }
        }
    }

    private static void stopIf(BooleanSupplier cancelled, String what) {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("reading changelog " + what + " cancelled");
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(properties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private Properties properties() {
        Properties p = KafkaClientSettings.client(bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 32 * 1024 * 1024);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        // a range that holds only a commit marker returns no record: do not let the broker hold that fetch 500 ms
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        return p;
    }
}
