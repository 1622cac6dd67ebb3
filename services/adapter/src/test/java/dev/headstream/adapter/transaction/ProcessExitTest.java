package dev.headstream.adapter.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.Test;

class ProcessExitTest {

    private final List<Integer> exits = new CopyOnWriteArrayList<>();
    private final ProcessExit processExit = new ProcessExit(exits::add);

    @Test
    void outcomesTheInstanceRecoversFromDoNotExit() {
        for (TransactionOutcome o : List.of(
                new TransactionOutcome.Committed(true),
                new TransactionOutcome.Revoked(),
                new TransactionOutcome.Aborted(new KafkaException("timeout")))) {
            assertThat(ProcessExit.reason(o)).as(o.toString()).isEmpty();
            assertThat(processExit.onOutcome(o)).isFalse();
        }
        assertThat(exits).isEmpty();
        assertThat(processExit.exiting()).isFalse();
    }

    @Test
    void aSilentAbortAFencedProducerAndAStuckCommitExitWithCode3() {
        assertThat(ProcessExit.reason(new TransactionOutcome.SilentlyAborted()))
                .hasValueSatisfying(r -> assertThat(r).contains("reported done but its offsets are not committed"));
        assertThat(ProcessExit.reason(new TransactionOutcome.Fenced(new ProducerFencedException("epoch 3"))))
                .hasValueSatisfying(r -> assertThat(r)
                        .contains("the transactional producer was fenced")
                        .contains("epoch 3"));
        assertThat(ProcessExit.reason(new TransactionOutcome.Stuck(Duration.ofSeconds(30))))
                .hasValueSatisfying(r -> assertThat(r).contains("did not finish committing or aborting within 30 s"));

        assertThat(processExit.onOutcome(new TransactionOutcome.SilentlyAborted()))
                .isTrue();
        assertThat(exits).containsExactly(ProcessExit.EXIT_CODE);
        assertThat(ProcessExit.EXIT_CODE).isEqualTo(3);
    }

    @Test
    void exitsOnceWhenSeveralOutcomesAskForIt() {
        assertThat(processExit.onOutcome(new TransactionOutcome.Fenced(new ProducerFencedException("a"))))
                .isTrue();
        assertThat(processExit.onOutcome(new TransactionOutcome.Stuck(Duration.ofSeconds(120))))
                .isFalse();
        assertThat(processExit.onOutcome(new TransactionOutcome.SilentlyAborted()))
                .isFalse();
        assertThat(exits).containsExactly(3);
        assertThat(processExit.exiting()).isTrue();
    }
}
