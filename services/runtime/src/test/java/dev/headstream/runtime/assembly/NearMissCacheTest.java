package dev.headstream.runtime.assembly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.task.NearMissSet;
import dev.headstream.core.adapt.task.NearMissesBusyException;
import dev.headstream.core.embed.EmbeddingSequence;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link NearMissCache}: each phrase's near misses made once while kept, by one worker at a time. */
class NearMissCacheTest {

    private final Map<String, AtomicInteger> made = new ConcurrentHashMap<>();

    private NearMissSet make(String phrase) {
        made.computeIfAbsent(phrase, p -> new AtomicInteger()).incrementAndGet();
        return NearMissSet.of(
                phrase, List.of(phrase), List.of(new EmbeddingSequence(1, 1, new float[] {phrase.length()})));
    }

    private int madeOf(String phrase) {
        return made.getOrDefault(phrase, new AtomicInteger()).get();
    }

    @Test
    void aPhraseIsMadeOnceWhileKeptAndAgainAfterTheCapacityPushedItOut() {
        NearMissCache cache = new NearMissCache(2, 1, this::make);
        NearMissSet first = cache.of("okay nova");
        assertThat(cache.of("okay nova")).isSameAs(first);
        cache.of("hey marble");
        cache.of("okay nova"); // used last: "hey marble" is now the eldest
        cache.of("wake up luna");
        assertThat(cache.size()).isEqualTo(2);
        cache.of("okay nova");
        assertThat(madeOf("okay nova")).isEqualTo(1);
        cache.of("hey marble");
        assertThat(madeOf("hey marble")).as("pushed out, made again").isEqualTo(2);
        assertThat(cache.of("hey marble").sha256())
                .as("the same set again")
                .isEqualTo(make("hey marble").sha256());
        assertThat(cache.made()).isEqualTo(4);
    }

    @Test
    void workersAskingForTheSamePhraseAtOnceWaitForOneMaking() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        NearMissCache cache = new NearMissCache(4, 1, phrase -> {
            if (phrase.equals("okay nova")) {
                inside.countDown();
                try {
                    assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return make(phrase);
        });
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<NearMissSet> a = pool.submit(() -> cache.of("okay nova"));
            assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
            NearMissSet[] second = new NearMissSet[1];
            Thread b = new Thread(() -> second[0] = cache.of("okay nova"));
            b.start();
            Future<NearMissSet> other = pool.submit(() -> cache.of("hello sunny"));
            assertThat(other.get(5, TimeUnit.SECONDS).phrase())
                    .as("another phrase is not held up by the first")
                    .isEqualTo("hello sunny");
            // the second asker is inside of(): parked on the first making (or, were it making its own,
            // on the release latch, and then counted twice below)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (b.getState() != Thread.State.WAITING && b.getState() != Thread.State.TIMED_WAITING) {
                assertThat(System.nanoTime()).as("the second asker waits").isLessThan(deadline);
                Thread.sleep(5);
            }
            release.countDown();
            b.join(10_000);
            assertThat(second[0]).isSameAs(a.get(10, TimeUnit.SECONDS));
            assertThat(madeOf("okay nova")).as("made once for both askers").isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBatchMakesAtMostItsBudgetOfNewPhrasesAndKeptOnesCostNothing() {
        NearMissCache cache = new NearMissCache(8, 1, 2, this::make);
        cache.of("okay nova");
        cache.of("hey marble");
        cache.of("okay nova");
        assertThatThrownBy(() -> cache.of("wake up luna"))
                .isInstanceOf(NearMissesBusyException.class)
                .hasMessageContaining("'wake up luna' are not made yet and this batch already made those of 2 phrases");
        assertThat(cache.of("hey marble").phrase())
                .as("a kept phrase needs no making")
                .isEqualTo("hey marble");
        cache.startBatch();
        assertThat(cache.of("wake up luna").phrase()).isEqualTo("wake up luna");
        assertThat(madeOf("wake up luna")).isEqualTo(1);
        assertThatThrownBy(() -> new NearMissCache(8, 1, -1, this::make)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPhraseWithoutNearMissesIsRememberedAToolFailureIsTriedAgain() {
        AtomicInteger calls = new AtomicInteger();
        NearMissCache cache = new NearMissCache(4, 1, phrase -> {
            calls.incrementAndGet();
            if (phrase.equals("mmm")) {
                throw new IllegalArgumentException("'mmm' has no phoneme that has a near miss");
            }
            throw new IllegalStateException("espeak-ng exited 1");
        });
        assertThatThrownBy(() -> cache.of("mmm")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cache.of("mmm")).hasMessageContaining("no phoneme");
        assertThat(calls).as("the phrase's answer cannot change").hasValue(1);
        assertThatThrownBy(() -> cache.of("okay nova")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> cache.of("okay nova")).hasMessageContaining("espeak-ng exited 1");
        assertThat(calls).as("a tool failure is tried again").hasValue(3);
        assertThat(cache.size()).isEqualTo(1);
        assertThatThrownBy(() -> new NearMissCache(0, 1, this::make)).isInstanceOf(IllegalArgumentException.class);
    }
}
