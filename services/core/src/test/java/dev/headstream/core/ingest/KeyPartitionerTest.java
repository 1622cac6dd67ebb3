package dev.headstream.core.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@link KeyPartitioner} against values the Kafka 4.1.1 Java client computes
 * ({@code Utils.murmur2}, {@code toPositive(murmur2) % n}); the adapter's
 * {@code KeyPartitionerParityTest} compares many random keys with the client itself.
 */
class KeyPartitionerTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void murmur2MatchesTheJavaClientForEveryTailLength() {
        assertThat(KeyPartitioner.murmur2(utf8(""))).isEqualTo(275646681);
        assertThat(KeyPartitioner.murmur2(utf8("a"))).isEqualTo(-1563381124);
        assertThat(KeyPartitioner.murmur2(utf8("ab"))).isEqualTo(316155434);
        assertThat(KeyPartitioner.murmur2(utf8("abc"))).isEqualTo(479470107);
        assertThat(KeyPartitioner.murmur2(utf8("foobar"))).isEqualTo(-790332482);
        assertThat(KeyPartitioner.murmur2(utf8("acme/alice"))).isEqualTo(-258768226);
        assertThat(KeyPartitioner.murmur2(utf8("globex/alice"))).isEqualTo(1410598507);
    }

    @Test
    void partitionIsThePositiveHashModuloThePartitionCount() {
        assertThat(KeyPartitioner.partition(utf8("acme/alice"), 8)).isEqualTo(6);
        assertThat(KeyPartitioner.partition(utf8("acme/bob"), 8)).isEqualTo(5);
        assertThat(KeyPartitioner.partition(utf8("globex/alice"), 8)).isEqualTo(3);
        assertThat(KeyPartitioner.partition(utf8("a"), 3)).as("a negative hash").isEqualTo(1);
        assertThat(KeyPartitioner.partition(utf8("acme/alice"), 1)).isZero();
        assertThatThrownBy(() -> KeyPartitioner.partition(utf8("acme/alice"), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("partition count must be >= 1, got 0");
    }
}
