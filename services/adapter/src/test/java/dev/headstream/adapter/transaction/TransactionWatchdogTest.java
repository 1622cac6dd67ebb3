package dev.headstream.adapter.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.adapter.HeadstreamConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TransactionWatchdogTest {

    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    private final AtomicLong clock = new AtomicLong(1_000 * SECOND);
    private final List<Integer> exits = new CopyOnWriteArrayList<>();
    private final TransactionWatchdog watchdog = new TransactionWatchdog(clock::get);

    TransactionWatchdogTest() {
        watchdog.config = new HeadstreamConfig() {
            @Override
            public String instanceId() {
                return "test";
            }

            @Override
            public int transactionStuckExitSeconds() {
                return 30;
            }

            @Override
            public int newPhrasesPerBatch() {
                throw new UnsupportedOperationException("not the watchdog's");
            }

            @Override
            public int embedAheadThreads() {
                throw new UnsupportedOperationException("not the watchdog's");
            }

            @Override
            public Poison poison() {
                throw new UnsupportedOperationException("not the watchdog's");
            }

            @Override
            public TopicCheck topicCheck() {
                throw new UnsupportedOperationException("not the watchdog's");
            }

            @Override
            public State state() {
                throw new UnsupportedOperationException("not the watchdog's");
            }

            @Override
            public Admin admin() {
                throw new UnsupportedOperationException("not the watchdog's");
            }
        };
        watchdog.processExit = new ProcessExit(exits::add);
    }

    @Test
    void aCommitIsStuckOnlyOnceItOutlastsTheLimit() {
        Duration limit = Duration.ofSeconds(30);
        assertThat(TransactionWatchdog.stuck(0, 10_000 * SECOND, limit))
                .as("no commit pending")
                .isFalse();
        assertThat(TransactionWatchdog.stuck(100 * SECOND, 130 * SECOND, limit)).isFalse();
        assertThat(TransactionWatchdog.stuck(100 * SECOND, 130 * SECOND + 1, limit))
                .isTrue();
    }

    @Test
    void aCommitThatEndsInTimeDoesNotExit() {
        watchdog.commitStarted();
        clock.addAndGet(29 * SECOND);
        watchdog.check();
        watchdog.commitEnded();
        clock.addAndGet(60 * SECOND);
        watchdog.check();
        assertThat(exits).isEmpty();
    }

    @Test
    void aStuckCommitExitsWithCode3Once() {
        watchdog.commitStarted();
        clock.addAndGet(31 * SECOND);
        watchdog.check();
        watchdog.check();
        assertThat(exits).containsExactly(ProcessExit.EXIT_CODE);
    }
}
