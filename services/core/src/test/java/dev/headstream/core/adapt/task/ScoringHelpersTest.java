package dev.headstream.core.adapt.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.headstream.core.bank.BankPart;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.head.HeadArchitecture;
import dev.headstream.core.head.LoraMlpHead;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ScoringHelpers}: every item of a loop is scored once, in parts with even bounds; a part's
 * failure reaches the caller; a caller whose parts no helper has started scores them itself; and a
 * bank part's logits through the helpers are the bits of scoring each window alone.
 */
class ScoringHelpersTest {

    private static final int DIM = BinaryHeadTaskLoraTest.DIM;
    private static final int FRAMES = BinaryHeadTaskLoraTest.FRAMES;
    private static final HeadArchitecture ARCH = BinaryHeadTaskLoraTest.ARCH;

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() - 0.5);
        }
        return v;
    }

    private final float[] source = random(ARCH.parameterCount(), 1);
    private final LoraMlpHead lora = new LoraMlpHead(ARCH, 2, 4f, true);
    private final ClipScorer scorer = new ClipScorer(lora, source, FRAMES);

    @Test
    void theTestsRunWithHelpers() {
        // services/core/pom.xml gives the tests two, so that the loops below are split on any machine
        assertThat(ScoringHelpers.HELPERS).isEqualTo(2);
    }

    @Test
    void everyItemIsScoredOnceInPartsWithEvenBounds() {
        for (int count : new int[] {0, 1, 255, 511, 512, 513, 1_000, 4_097}) {
            AtomicIntegerArray times = new AtomicIntegerArray(count);
            List<int[]> parts = Collections.synchronizedList(new ArrayList<>());
            ScoringHelpers.score(scorer, count, (sc, from, to) -> {
                parts.add(new int[] {from, to});
                for (int i = from; i < to; i++) {
                    times.incrementAndGet(i);
                }
            });
            for (int i = 0; i < count; i++) {
                assertThat(times.get(i)).as("item %d of %d", i, count).isEqualTo(1);
            }
            assertThat(parts).allSatisfy(p -> assertThat(p[0] % 2).isZero());
            assertThat(parts.size())
                    .as("parts of %d items", count)
                    .isEqualTo(Math.max(1, Math.min(ScoringHelpers.HELPERS + 1, count / ScoringHelpers.MIN_PART)));
        }
    }

    @Test
    void threadsDeclaredBusyAreNotSplitOver() {
        int count = 8 * ScoringHelpers.MIN_PART;
        for (int busy = 0; busy <= ScoringHelpers.HELPERS + 1; busy++) {
            List<int[]> parts = Collections.synchronizedList(new ArrayList<>());
            try (ScoringHelpers.Busy b = ScoringHelpers.busy(busy)) {
                ScoringHelpers.score(scorer, count, (sc, from, to) -> parts.add(new int[] {from, to}));
            }
            assertThat(parts)
                    .as("%d threads busy", busy)
                    .hasSize(Math.max(1, ScoringHelpers.HELPERS + 2 - Math.max(1, busy)));
        }
    }

    @Test
    void theGravestFailureOfThePartsReachesTheCallerAfterEveryPartIsDone() {
        int count = 4 * ScoringHelpers.MIN_PART;
        AtomicIntegerArray times = new AtomicIntegerArray(count);
        assertThatThrownBy(() -> ScoringHelpers.score(scorer, count, (sc, from, to) -> {
                    for (int i = from; i < to; i++) {
                        times.incrementAndGet(i);
                    }
                    if (from == 0) {
                        throw new IllegalStateException("the caller's part failed");
                    }
                    if (to == count) {
                        throw new StackOverflowError("a helper's part failed");
                    }
                }))
                .isInstanceOf(StackOverflowError.class)
                .hasMessage("a helper's part failed")
                .satisfies(e -> assertThat(e.getSuppressed())
                        .singleElement()
                        .extracting(Throwable::getMessage)
                        .isEqualTo("the caller's part failed"));
        for (int i = 0; i < count; i++) {
            assertThat(times.get(i)).isEqualTo(1);
        }
    }

    @Test
    void aCallerScoresThePartsNoHelperHasStartedInsteadOfWaiting() throws Exception {
        // every helper stuck elsewhere: this caller's parts wait in the queue, so it scores them itself
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch stuck = new CountDownLatch(ScoringHelpers.HELPERS);
        for (int h = 0; h < ScoringHelpers.HELPERS; h++) {
            ScoringHelpers.onHelper(() -> {
                stuck.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        try {
            assertThat(stuck.await(30, TimeUnit.SECONDS))
                    .as("the helpers are stuck")
                    .isTrue();
            int count = (ScoringHelpers.HELPERS + 1) * ScoringHelpers.MIN_PART;
            AtomicIntegerArray times = new AtomicIntegerArray(count);
            Set<String> threads = ConcurrentHashMap.newKeySet();
            List<int[]> parts = Collections.synchronizedList(new ArrayList<>());
            assertTimeoutPreemptively(
                    Duration.ofSeconds(30),
                    () -> ScoringHelpers.score(scorer, count, (sc, from, to) -> {
                        threads.add(Thread.currentThread().getName());
                        parts.add(new int[] {from, to});
                        for (int i = from; i < to; i++) {
                            times.incrementAndGet(i);
                        }
                    }));
            for (int i = 0; i < count; i++) {
                assertThat(times.get(i)).isEqualTo(1);
            }
            assertThat(parts).hasSize(ScoringHelpers.HELPERS + 1);
            assertThat(threads).noneMatch(t -> t.startsWith("headstream-scoring-"));
        } finally {
            release.countDown();
        }
    }

    @Test
    void aBankPartsLogitsThroughTheHelpersAreEachWindowsOwnBits(@TempDir Path dir) throws IOException {
        SplittableRandom r = new SplittableRandom(5);
        int frames = 3_000;
        float[] values = new float[frames * DIM];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) r.nextGaussian();
        }
        BankPart.write(
                dir.resolve(NegativeBank.TRAIN_FILE),
                "0".repeat(64),
                DIM,
                List.of("t"),
                List.of(new BankPart.Segment(0, frames)),
                List.of(values));
        BankPart.write(
                dir.resolve(NegativeBank.CALIBRATION_FILE),
                "0".repeat(64),
                DIM,
                List.of("c1", "c2"),
                List.of(new BankPart.Segment(0, 1_201), new BankPart.Segment(1, frames - 1_201)),
                List.of(
                        java.util.Arrays.copyOfRange(values, 0, 1_201 * DIM),
                        java.util.Arrays.copyOfRange(values, 1_201 * DIM, values.length)));
        BankNegatives bank = BankNegatives.prepare(NegativeBank.open(dir), scorer, FRAMES);
        float[] trainable = lora.initialTrainable(source, 3);
        float[] noise = random(trainable.length, 4);
        for (int i = 0; i < trainable.length; i++) {
            trainable[i] += 0.2f * noise[i];
        }
        int n = bank.calibrationWindows();
        assertThat(n).isGreaterThan(2 * ScoringHelpers.MIN_PART);
        for (float[] t : new float[][] {trainable, null}) {
            float[] alone = new float[n];
            for (int w = 0; w < n; w++) {
                alone[w] = bank.calibrationLogit(scorer, t, w);
            }
            float[] all = new float[n];
            bank.calibrationLogits(scorer, t, all);
            assertThat(all).containsExactly(alone);

            float[] range = new float[n + 3];
            bank.calibrationLogitRange(scorer, t, 7, n - 2, range, 3);
            for (int w = 7; w < n - 2; w++) {
                assertThat(range[3 + w - 7]).isEqualTo(alone[w]);
            }

            int[] steps = new int[n / 2 + 1];
            for (int k = 0; k < steps.length; k++) {
                steps[k] = r.nextInt(n);
            }
            float[] picked = new float[steps.length];
            bank.calibrationLogits(scorer, t, steps, steps.length, picked);
            for (int k = 0; k < steps.length; k++) {
                assertThat(picked[k]).isEqualTo(alone[steps[k]]);
            }
            int[] windows = new int[bank.trainWindows()];
            for (int k = 0; k < windows.length; k++) {
                windows[k] = windows.length - 1 - k;
            }
            float[] trained = new float[windows.length];
            bank.trainLogits(scorer, t, windows, windows.length, trained);
            for (int k = 0; k < windows.length; k++) {
                assertThat(trained[k]).isEqualTo(bank.trainLogit(scorer, t, windows[k]));
            }
        }
    }
}
