package dev.headstream.adapter.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.CompositeException;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.Test;

class TransactionOutcomeTest {

    @Test
    void committedOffsetsMeanCommittedWhateverTheRebalanceAndSayWhatConfirmedThem() {
        assertThat(TransactionOutcome.completed(false, true, false)).isEqualTo(new TransactionOutcome.Committed(false));
        assertThat(TransactionOutcome.completed(false, true, true)).isEqualTo(new TransactionOutcome.Committed(false));
        assertThat(TransactionOutcome.completed(true, true, false)).isEqualTo(new TransactionOutcome.Committed(true));
        // the producer's evidence alone is enough: the coordinator is then not asked
        assertThat(TransactionOutcome.completed(true, false, false)).isEqualTo(new TransactionOutcome.Committed(true));
    }

    @Test
    void missingOffsetsAfterARebalanceMeanRevoked() {
        assertThat(TransactionOutcome.completed(false, false, true)).isInstanceOf(TransactionOutcome.Revoked.class);
    }

    @Test
    void missingOffsetsWithoutARebalanceMeanSilentlyAborted() {
        assertThat(TransactionOutcome.completed(false, false, false))
                .isInstanceOf(TransactionOutcome.SilentlyAborted.class);
    }

    @Test
    void aFencedProducerIsRecognisedHoweverTheFailureWrapsIt() {
        ProducerFencedException fenced = new ProducerFencedException("fenced");
        KafkaException suppressing = new KafkaException("abort failed");
        suppressing.addSuppressed(fenced);
        for (Throwable failure : new Throwable[] {
            fenced,
            new CompletionException(fenced),
            new InvalidProducerEpochException("stale epoch"),
            new CompositeException(new KafkaException("send failed"), new KafkaException(fenced)),
            suppressing
        }) {
            TransactionOutcome outcome = TransactionOutcome.failed(failure);
            assertThat(outcome).as(failure.toString()).isInstanceOf(TransactionOutcome.Fenced.class);
            assertThat(((TransactionOutcome.Fenced) outcome).cause()).isSameAs(failure);
        }
    }

    @Test
    void anyOtherFailureIsAnAbortTheProducerSurvives() {
        KafkaException timeout = new KafkaException("commit timed out");
        assertThat(TransactionOutcome.failed(timeout)).isEqualTo(new TransactionOutcome.Aborted(timeout));
    }
}
