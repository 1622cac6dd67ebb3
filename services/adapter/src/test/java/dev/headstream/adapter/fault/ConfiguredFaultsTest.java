package dev.headstream.adapter.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.schemas.v1.Sample;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ConfiguredFaultsTest {

    private final List<Integer> halts = new CopyOnWriteArrayList<>();

    private ConfiguredFaults faults(long haltAt, long pauseAt, int pauseSeconds, int restoreDelaySeconds) {
        return new ConfiguredFaults(new FaultSettings(haltAt, pauseAt, pauseSeconds, restoreDelaySeconds), halts::add);
    }

    @Test
    void aBatchWithoutTheFaultOffsetsCommitsAtOnce() {
        ConfiguredFaults faults = faults(15, 11, 20, 0);
        long t0 = System.nanoTime();
        faults.inTransaction(List.of(7L, 8L, 9L)).await().atMost(Duration.ofSeconds(1));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
        assertThat(halts).isEmpty();
    }

    @Test
    void haltsWithStatus137InsideTheBatchThatHoldsTheOffset() {
        long t0 = System.nanoTime();
        faults(15, -1, 20, 0).inTransaction(List.of(14L, 15L)).await().atMost(Duration.ofSeconds(10));
        assertThat(halts).containsExactly(ConfiguredFaults.HALT_STATUS);
        assertThat(Duration.ofNanos(System.nanoTime() - t0))
                .as("records had time to reach the broker")
                .isGreaterThanOrEqualTo(ConfiguredFaults.HALT_AFTER);
    }

    @Test
    void pausesInsideTheBatchThatHoldsThePauseOffsetAndDoesNotHalt() {
        long t0 = System.nanoTime();
        faults(11, 11, 1, 0).inTransaction(List.of(10L, 11L)).await().atMost(Duration.ofSeconds(10));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(halts).isEmpty();
    }

    @Test
    void holdsTheRestoreForTheConfiguredDelay() throws InterruptedException {
        long t0 = System.nanoTime();
        faults(-1, -1, 20, 1).beforeRestore(List.of(0, 1));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void failsTheProcessingOfEveryBatchThatHoldsAPoisonedSampleWithoutNamingIt() {
        ConfiguredFaults faults =
                new ConfiguredFaults(new FaultSettings(-1, -1, 20, 0, Set.of("poison-1")), halts::add);
        byte[] good = Sample.newBuilder().setSampleId("good").build().toByteArray();
        byte[] poison = Sample.newBuilder().setSampleId("poison-1").build().toByteArray();
        byte[] junk = {(byte) 0xff, 1, 2};

        faults.beforeProcessing(List.of(good, junk));
        faults.beforeProcessing(Arrays.asList(good, null));
        for (int attempt = 0; attempt < 3; attempt++) {
            assertThatThrownBy(() -> faults.beforeProcessing(List.of(good, poison, junk)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("fault injection: a poisoned sample in the batch");
        }
        assertThat(halts).isEmpty();
    }

    @Test
    void noFaultsDoesNothing() throws InterruptedException {
        NoFaults.INSTANCE.inTransaction(List.of(0L)).await().atMost(Duration.ofSeconds(1));
        NoFaults.INSTANCE.beforeProcessing(
                List.of(Sample.newBuilder().setSampleId("x").build().toByteArray()));
        NoFaults.INSTANCE.beforeRestore(List.of(0));
    }
}
