package dev.headstream.core.adapt.engine;

import static dev.headstream.core.adapt.engine.SmallEngine.NOW;
import static dev.headstream.core.adapt.engine.SmallEngine.record;
import static dev.headstream.core.adapt.engine.SmallEngine.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneInfo;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.ingest.RawSample;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Embeddings made as records are polled ({@link EmbeddingsAhead}) are taken by the batch that
 * applies the records, which then embeds none of them itself, and the batch's heads, metrics and
 * state records are the same bytes as an engine's that embeds everything in the batch. A record at
 * the same place with other bytes, one dropped at the bound or of a revoked partition, and one that
 * does not decode are embedded by the engine as before.
 */
class EmbeddingsAheadTest {

    /** The test backbone, counting the inputs it embeds. */
    private static class Counting implements Backbone {
        final Backbone inner = new TensorBackbone("identity", "0".repeat(64), SmallEngine.FRAMES, SmallEngine.DIM);
        final AtomicInteger embedded = new AtomicInteger();

        @Override
        public BackboneInfo info() {
            return inner.info();
        }

        @Override
        public boolean embedsEachInputAlone() {
            return true;
        }

        @Override
        public List<EmbeddingSequence> embed(List<? extends BackboneInput> inputs) {
            embedded.addAndGet(inputs.size());
            return inner.embed(inputs);
        }

        @Override
        public void validate(BackboneInput input) {
            inner.validate(input);
        }

        @Override
        public void close() {}
    }

    /** Batch {@code b}: 6 users' samples over 2 partitions. */
    private static List<RawSample> batch(int b) {
        List<RawSample> out = new ArrayList<>();
        for (int u = 0; u < 6; u++) {
            out.add(record(u % 2, 10L * b + u, sample("acme", "user" + u, "b" + b + "-u" + u, (u + b) % 2 == 0)));
        }
        return out;
    }

    private static List<Object> outputs(AdaptationEngine engine, BatchResult r) {
        List<Object> out = new ArrayList<>();
        r.heads().forEach(h -> out.add(h.toByteString()));
        r.metrics().forEach(m -> out.add(m.toByteString()));
        engine.stateRecords(r).forEach(s -> out.add(s.toByteString()));
        out.add(r.rejections().size());
        return out;
    }

    private static void offer(EmbeddingsAhead ahead, List<RawSample> records) {
        records.forEach(r -> ahead.offer(r.partition(), r.offset(), r.key(), r.value()));
    }

    private static void awaitEmbedded(Counting backbone, int count) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (backbone.embedded.get() < count) {
            assertThat(System.nanoTime()).as("embedded ahead within 10 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void aBatchTakesTheEmbeddingsMadeAheadAndComputesTheSameBytes() throws Exception {
        Counting backbone = new Counting();
        AdaptationEngine engine = SmallEngine.engine(backbone, 2);
        EmbeddingsAhead ahead = engine.embedAhead(1, 64, 1L << 30).orElseThrow();
        AdaptationEngine plain = SmallEngine.engine(new Counting(), 2);
        for (int b = 0; b < 3; b++) {
            List<RawSample> records = batch(b);
            int before = backbone.embedded.get();
            offer(ahead, records);
            awaitEmbedded(backbone, before + records.size());

            BatchResult r = engine.process(records, NOW + b);
            BatchResult p = plain.process(records, NOW + b);

            assertThat(backbone.embedded.get())
                    .as("the batch embedded none of the records made ahead")
                    .isEqualTo(before + records.size());
            assertThat(r.applied()).isEqualTo(records.size());
            assertThat(outputs(engine, r)).isEqualTo(outputs(plain, p));
            engine.commit(r);
            plain.commit(p);
        }
        assertThat(ahead.used()).isEqualTo(18);
        assertThat(ahead.held()).isZero();
        engine.close();
    }

    @Test
    void otherBytesAtTheSamePlaceAreEmbeddedByTheBatchNotTakenFromAhead() throws Exception {
        Counting backbone = new Counting();
        AdaptationEngine engine = SmallEngine.engine(backbone, 1);
        EmbeddingsAhead ahead = engine.embedAhead(1, 64, 1L << 30).orElseThrow();
        RawSample polled = record(0, 5, sample("acme", "alice", "a-1", true));
        RawSample applied = record(0, 5, sample("acme", "alice", "a-2", false)); // a recreated topic
        ahead.offer(polled.partition(), polled.offset(), polled.key(), polled.value());
        awaitEmbedded(backbone, 1);

        BatchResult r = engine.process(List.of(applied), NOW);
        BatchResult p = SmallEngine.engine(new Counting(), 1).process(List.of(applied), NOW);

        assertThat(backbone.embedded.get()).as("embedded again in the batch").isEqualTo(2);
        assertThat(ahead.used()).isZero();
        assertThat(r.heads().get(0).toByteString()).isEqualTo(p.heads().get(0).toByteString());
    }

    @Test
    void theBoundDropsTheOldestAndARevokedPartitionKeepsNothing() throws Exception {
        Counting backbone = new Counting();
        AdaptationEngine engine = SmallEngine.engine(backbone, 1);
        EmbeddingsAhead ahead = engine.embedAhead(1, 2, 1L << 30).orElseThrow();
        List<RawSample> records = batch(0); // partitions 0, 1, 0, 1, 0, 1
        offer(ahead, records.subList(0, 3));

        assertThat(ahead.held()).isEqualTo(2);
        assertThat(ahead.dropped()).isEqualTo(1);
        assertThat(ahead.take(records.get(0))).as("dropped at the bound").isNull();
        assertThat(ahead.take(records.get(1))).isNotNull();

        engine.forgetPartition(0);
        assertThat(ahead.held()).isZero();
        assertThat(ahead.take(records.get(2))).as("its partition was revoked").isNull();
    }

    @Test
    void aRecordThatDoesNotDecodeIsLetGoAsSoonAsThatIsKnown() throws Exception {
        AdaptationEngine engine = SmallEngine.engine(new Counting(), 1);
        EmbeddingsAhead ahead = engine.embedAhead(1, 8, 1L << 30).orElseThrow();
        RawSample garbage = new RawSample(0, 1, SmallEngine.key("acme/alice"), new byte[] {1, 2, 3});
        ahead.offer(0, 1, garbage.key(), garbage.value());

        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ahead.held() > 0) {
            assertThat(System.nanoTime()).as("let go within 10 s").isLessThan(deadline);
            Thread.sleep(5);
        }
        assertThat(ahead.heldBytes()).isZero();
        assertThat(engine.process(List.of(garbage), NOW).rejections()).hasSize(1);
    }

    @Test
    void aRecordTheBatchRejectsIsLetGoAndOneTooLargeIsNeverHeld() {
        Counting backbone = new Counting();
        AdaptationEngine engine = SmallEngine.engine(backbone, 1);
        engine.checkPartitions(2);
        EmbeddingsAhead ahead = engine.embedAhead(1, 8, 1L << 30).orElseThrow();
        // alice's key belongs on one partition of 2: offered on the other, it is WRONG_PARTITION
        RawSample here = record(0, 1, sample("acme", "alice", "a-1", true));
        RawSample there = new RawSample(1, 1, here.key(), here.value());
        RawSample misplaced = engine.process(List.of(here, there), NOW).rejections().stream()
                .filter(j -> j.reason() == dev.headstream.schemas.v1.RejectReason.WRONG_PARTITION)
                .map(dev.headstream.core.ingest.Rejection::source)
                .findFirst()
                .orElseThrow();
        misplaced = new RawSample(misplaced.partition(), 7, misplaced.key(), misplaced.value());
        ahead.offer(misplaced.partition(), misplaced.offset(), misplaced.key(), misplaced.value());

        engine.process(List.of(misplaced), NOW);

        assertThat(ahead.held()).isZero();
        assertThat(ahead.heldBytes()).isZero();
        ahead.offer(0, 9, here.key(), new byte[(1 << 20) + 1]); // over the decoder's 1 MiB
        assertThat(ahead.held()).isZero();
    }

    @Test
    void theByteBoundDropsTheOldest() {
        AdaptationEngine engine = SmallEngine.engine(new Counting(), 1);
        List<RawSample> records = batch(0);
        long one = records.get(0).key().length + (long) records.get(0).value().length;
        EmbeddingsAhead ahead = engine.embedAhead(1, 64, 2 * one + 1).orElseThrow();
        offer(ahead, records.subList(0, 3));

        assertThat(ahead.held()).isEqualTo(2);
        assertThat(ahead.heldBytes()).isLessThanOrEqualTo(2 * one + 1);
        assertThat(ahead.dropped()).isEqualTo(1);
    }

    /** A backbone whose embedding waits for {@code go}. */
    private static final class Held extends Counting {
        final java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
        volatile Error fail;

        @Override
        public List<EmbeddingSequence> embed(List<? extends BackboneInput> inputs) {
            inside.countDown();
            try {
                go.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (fail != null) {
                throw fail;
            }
            return super.embed(inputs);
        }
    }

    @Test
    void aBatchWaitsForAnEmbeddingRunningAheadAndEmbedsOneStillQueuedItself() throws Exception {
        Held backbone = new Held();
        AdaptationEngine engine = SmallEngine.engine(backbone, 1);
        EmbeddingsAhead ahead = engine.embedAhead(1, 64, 1L << 30).orElseThrow();
        List<RawSample> records = batch(0).subList(0, 2);
        offer(ahead, records); // the first runs on the one embedding thread and waits; the second is queued
        assertThat(backbone.inside.await(10, java.util.concurrent.TimeUnit.SECONDS))
                .isTrue();

        java.util.concurrent.CompletableFuture<EmbeddingSequence> queued =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> ahead.take(records.get(1)));
        java.util.concurrent.CompletableFuture<EmbeddingSequence> running =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> ahead.take(records.get(0)));
        Thread.sleep(100);
        assertThat(running).as("waits for the embedding running ahead").isNotDone();
        backbone.go.countDown();

        assertThat(running.get(10, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
        assertThat(queued.get(10, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
        assertThat(ahead.used()).isEqualTo(2);
        assertThat(backbone.embedded.get()).as("each embedded once").isEqualTo(2);
    }

    @Test
    void anErrorOnAnEmbeddingThreadReachesTheBatch() throws Exception {
        Held backbone = new Held();
        backbone.fail = new OutOfMemoryError("test");
        backbone.go.countDown();
        AdaptationEngine engine = SmallEngine.engine(backbone, 1);
        EmbeddingsAhead ahead = engine.embedAhead(1, 64, 1L << 30).orElseThrow();
        RawSample r = batch(0).get(0);
        ahead.offer(r.partition(), r.offset(), r.key(), r.value());

        assertThatThrownBy(() -> ahead.take(r)).isInstanceOf(OutOfMemoryError.class);
    }

    @Test
    void onlyForABackboneThatEmbedsEachInputAlone() {
        Backbone batched = new Counting() {
            @Override
            public boolean embedsEachInputAlone() {
                return false;
            }
        };
        assertThat(SmallEngine.engine(batched, 1).embedAhead(1, 8, 1L << 30)).isEmpty();
        assertThat(SmallEngine.engine(new Counting(), 1).embedAhead(0, 8, 1L << 30))
                .isEmpty();
        assertThatThrownBy(() -> new EmbeddingsAhead(null, batched, false, 1, 8, 1L << 30))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
