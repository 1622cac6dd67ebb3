package dev.headstream.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.ingest.KeyPartitioner;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * Core's {@link KeyPartitioner} (written without a Kafka dependency) against the Kafka client it
 * stands in for: {@link Utils#murmur2} and the partition the producer's built-in partitioner picks
 * for a keyed record ({@link BuiltInPartitioner#partitionForKey}), on many random keys of every
 * tail length and on keys shaped like ours.
 */
class KeyPartitionerParityTest {

    private static final int[] PARTITION_COUNTS = {1, 2, 3, 6, 7, 8, 12, 16, 64, 100, 1000};

    private static void assertSameAsTheClient(byte[] key) {
        assertThat(KeyPartitioner.murmur2(key)).isEqualTo(Utils.murmur2(key));
        for (int n : PARTITION_COUNTS) {
            assertThat(KeyPartitioner.partition(key, n))
                    .as("%d partitions", n)
                    .isEqualTo(BuiltInPartitioner.partitionForKey(key, n));
        }
    }

    @Test
    void randomBytesOfEveryLengthHashAndPartitionAsTheJavaClientDoes() {
        SplittableRandom random = new SplittableRandom(20_261_202);
        for (int i = 0; i < 20_000; i++) {
            byte[] key = new byte[random.nextInt(0, 300)];
            for (int j = 0; j < key.length; j++) {
                key[j] = (byte) random.nextInt(256);
            }
            assertSameAsTheClient(key);
        }
    }

    @Test
    void tenantUserKeysPartitionAsTheJavaClientDoes() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder key = new StringBuilder();
            for (int part = 0; part < 2; part++) {
                if (part == 1) {
                    key.append('/');
                }
                int length = random.nextInt(1, 65);
                for (int j = 0; j < length; j++) {
                    key.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            assertSameAsTheClient(key.toString().getBytes(StandardCharsets.UTF_8));
        }
        assertSameAsTheClient("acme/alice".getBytes(StandardCharsets.UTF_8));
        assertSameAsTheClient("acme/zoë".getBytes(StandardCharsets.UTF_8));
    }
}
