package dev.headstream.core.ingest;

/**
 * The partition a keyed record belongs on: what the Java Kafka client's default partitioner
 * computes for a record with a key and no explicit partition, {@code (murmur2(key) & 0x7fffffff) %
 * partitions} over the serialized key bytes (for a {@code String} key, its UTF-8 bytes). The
 * adapter holds every record of {@code headstream.samples} and {@code headstream.control} to it,
 * since a user's records on two partitions would be two lineages of one head; producers in other
 * languages must use the same hash (librdkafka calls it {@code murmur2_random}). Written here so
 * that core needs no Kafka client. Stateless and thread-safe.
 */
public final class KeyPartitioner {

    /** How the expected partition is computed, for messages. */
    public static final String DESCRIPTION = "Java client's default partitioner: murmur2 of the UTF-8 key bytes";

    private static final int SEED = 0x9747b28c;
    private static final int M = 0x5bd1e995;

    private KeyPartitioner() {}

    /**
     * The partition of a record with {@code key} among {@code partitions}.
     *
     * @throws IllegalArgumentException if {@code partitions < 1}
     */
    public static int partition(byte[] key, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partition count must be >= 1, got " + partitions);
        }
        return (murmur2(key) & 0x7fffffff) % partitions;
    }

    /**
     * MurmurHash2 (32-bit) of {@code data} with the seed the Kafka client uses, {@code 0x9747b28c}:
     * little-endian 4-byte blocks, then the 1-3 tail bytes, then the final avalanche.
     */
    public static int murmur2(byte[] data) {
        int n = data.length;
        int h = SEED ^ n;
        int blocks = n >>> 2;
        for (int b = 0; b < blocks; b++) {
            int at = b << 2;
            int k = (data[at] & 0xff)
                    | (data[at + 1] & 0xff) << 8
                    | (data[at + 2] & 0xff) << 16
                    | (data[at + 3] & 0xff) << 24;
            k *= M;
            k ^= k >>> 24;
            k *= M;
            h = h * M ^ k;
        }
        int tail = blocks << 2;
        int left = n - tail;
        if (left > 0) {
            if (left == 3) {
                h ^= (data[tail + 2] & 0xff) << 16;
            }
            if (left >= 2) {
                h ^= (data[tail + 1] & 0xff) << 8;
            }
            h ^= data[tail] & 0xff;
            h *= M;
        }
        h ^= h >>> 13;
        h *= M;
        h ^= h >>> 15;
        return h;
    }
}
