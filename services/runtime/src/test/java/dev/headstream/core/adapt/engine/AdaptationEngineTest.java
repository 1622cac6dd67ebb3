package dev.headstream.core.adapt.engine;

import static dev.headstream.core.adapt.WakeWordFixture.TASK;
import static dev.headstream.core.adapt.WakeWordFixture.holdout;
import static dev.headstream.core.adapt.WakeWordFixture.other;
import static dev.headstream.core.adapt.WakeWordFixture.train;
import static dev.headstream.core.adapt.WakeWordFixture.wake;
import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.adapt.WakeWordFixture;
import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.state.StoredClip;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.adapt.task.HeadMonitors;
import dev.headstream.core.adapt.task.RehearsalReservoir;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneInfo;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.core.wire.SampleDecoder;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.AdapterState;
import dev.headstream.schemas.v1.Control;
import dev.headstream.schemas.v1.ControlAction;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.RejectReason;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AdaptationEngineTest {

    private static final String ALICE_VOICE = "en-gb-scotland+m3";
    private static final String BOB_VOICE = "en-us+f4";
    private static final String CAROL_VOICE = "en-029+m1";
    private static final UserKey ALICE = new UserKey("acme", "alice");
    private static final UserKey BOB = new UserKey("acme", "bob");
    private static final UserKey GLOBEX_ALICE = new UserKey("globex", "alice");
    private static final long NOW = 1_700_000_000_000L;

    private static WakeWordFixture fx;

    @BeforeAll
    static void load() {
        fx = new WakeWordFixture();
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    /** alice: 2 positives and a negative; bob: a positive. */
    private static List<RawSample> firstBatch() {
        return List.of(
                train(10, "acme", "alice", "a-1", wake(ALICE_VOICE, 0), true),
                train(11, "acme", "bob", "b-1", wake(BOB_VOICE, 0), true),
                train(12, "acme", "alice", "a-2", other(ALICE_VOICE, 0), false),
                train(13, "acme", "alice", "a-3", wake(ALICE_VOICE, 1), true));
    }

    /** alice: a positive and a negative; bob: a negative. */
    private static List<RawSample> secondBatch() {
        return List.of(
                train(14, "acme", "alice", "a-4", wake(ALICE_VOICE, 2), true),
                train(15, "acme", "bob", "b-2", other(BOB_VOICE, 1), false),
                train(16, "acme", "alice", "a-5", other(ALICE_VOICE, 1), false));
    }

    private static HeadState head(AdaptationEngine engine, UserKey key) {
        UserState u = engine.user(key);
        return u == null ? null : u.heads().get(TASK);
    }

    private static HeadUpdate headOf(BatchResult r, UserKey key) {
        return r.heads().stream()
                .filter(h -> h.getHeadId().equals(key.headId(TASK)))
                .findFirst()
                .orElseThrow();
    }

    private static AdaptationMetrics metricsOf(BatchResult r, UserKey key) {
        // the record of the head's last sample in the batch
        return r.metrics().stream()
                .filter(m -> m.getHeadId().equals(key.headId(TASK)))
                .reduce((a, b) -> b)
                .orElseThrow();
    }

    private static List<byte[]> bytes(BatchResult r) {
        List<byte[]> out = new ArrayList<>();
        r.heads().forEach(h -> out.add(h.toByteArray()));
        r.metrics().forEach(m -> out.add(m.toByteArray()));
        return out;
    }

    private static BatchResult processAndCommit(AdaptationEngine engine, List<RawSample> batch) {
        BatchResult r = engine.process(batch, NOW);
        engine.commit(r);
        return r;
    }

    @Test
    void twoFreshEnginesFedTheSameBatchesPublishBitIdenticalHeads() {
        AdaptationEngine a = fx.engine();
        AdaptationEngine b = fx.engine();
        for (List<RawSample> batch : List.of(firstBatch(), secondBatch())) {
            BatchResult ra = processAndCommit(a, batch);
            BatchResult rb = processAndCommit(b, batch);
            assertThat(ra.heads()).hasSize(2);
            assertThat(bytes(rb)).containsExactlyElementsOf(bytes(ra));
        }
        float[] source = fx.source.trainableTail(WakeWordFixture.RECIPE.trainableTopLayers());
        assertThat(head(a, ALICE).trainable()).as("training happened").isNotEqualTo(source);
        assertThat(head(b, ALICE).trainable()).isEqualTo(head(a, ALICE).trainable());
    }

    @Test
    void sameStreamInDifferentBatchesGivesTheSameWeightsAndThreshold() {
        List<RawSample> all = new ArrayList<>(firstBatch());
        all.addAll(secondBatch());
        AdaptationEngine oneBatch = fx.engine();
        processAndCommit(oneBatch, all);
        AdaptationEngine manyBatches = fx.engine();
        for (int i = 0; i < all.size(); i += 3) {
            processAndCommit(manyBatches, all.subList(i, Math.min(all.size(), i + 3)));
        }
        for (UserKey k : List.of(ALICE, BOB)) {
            assertThat(head(manyBatches, k).trainable())
                    .isEqualTo(head(oneBatch, k).trainable());
            assertThat(head(manyBatches, k).threshold())
                    .isEqualTo(head(oneBatch, k).threshold());
            assertThat(head(manyBatches, k).samplesApplied())
                    .isEqualTo(head(oneBatch, k).samplesApplied());
        }
    }

    private static AdaptationEngine onlineEngine(AdaptationEngine.OnlineRehearsal online) {
        return new AdaptationEngine(
                fx.backbone,
                new SampleDecoder(1 << 20, fx.backbone, Map.of(TASK, TaskKind.binary())),
                Map.of(TASK, fx.task()),
                64,
                1,
                online);
    }

    @Test
    void onlineRehearsalCollectsCommittedTrainingNegativesOfListedTenantsOnlyAndChangesTraining() {
        AdaptationEngine engine = onlineEngine(new AdaptationEngine.OnlineRehearsal(16, Set.of("acme"), 16));
        List<RawSample> batch = new ArrayList<>(firstBatch());
        batch.add(train(17, "globex", "alice", "g-1", other(ALICE_VOICE, 2), false));
        batch.add(holdout(18, "acme", "carol", "c-h", other(BOB_VOICE, 2), false));

        BatchResult r = engine.process(batch, NOW);
        assertThat(engine.reservoir(TASK, 0))
                .as("nothing live before the commit")
                .isNull();
        engine.commit(r);

        RehearsalReservoir res = engine.reservoir(TASK, 0);
        assertThat(res.size())
                .as("alice's one training negative; not globex, not holdout")
                .isEqualTo(1);
        assertThat(res.get(0).owner()).isEqualTo(ALICE);

        processAndCommit(engine, secondBatch());
        assertThat(engine.reservoir(TASK, 0).size()).isEqualTo(3);
        AdaptationEngine plain = fx.engine();
        processAndCommit(plain, batch);
        processAndCommit(plain, secondBatch());
        assertThat(head(engine, ALICE).trainable())
                .as("the reservoir's negatives were rehearsed")
                .isNotEqualTo(head(plain, ALICE).trainable());

        engine.forget(ALICE);
        assertThat(engine.reservoir(TASK, 0).size())
                .as("erasing alice removes her clips")
                .isEqualTo(1);
        engine.forgetPartition(0);
        assertThat(engine.reservoir(TASK, 0))
                .as("a revoked partition's reservoir is dropped")
                .isNull();
    }

    @Test
    void aFrozenAndRolledBackHeadsTrainingNegativeIsOfferedAsItselfToOnlineRehearsal() {
        AdaptationEngine engine = onlineEngine(new AdaptationEngine.OnlineRehearsal(16, Set.of("acme"), 16));
        processAndCommit(engine, firstBatch());
        int before = engine.reservoir(TASK, 0).size();
        // freeze, then roll back to the source: alice's replay buffer is emptied and she trains no more
        for (ControlAction action :
                List.of(ControlAction.CONTROL_ACTION_FREEZE, ControlAction.CONTROL_ACTION_ROLLBACK)) {
            Control c = Control.newBuilder()
                    .setTenant(ALICE.tenant())
                    .setUser(ALICE.user())
                    .setAction(action)
                    .build();
            engine.commit(engine.process(
                    List.of(),
                    List.of(new RawSample(
                            0,
                            90 + action.getNumber(),
                            ALICE.toString().getBytes(StandardCharsets.UTF_8),
                            c.toByteArray())),
                    NOW));
        }
        short[] negative = other(ALICE_VOICE, 2);

        BatchResult r = engine.process(List.of(train(40, "acme", "alice", "a-neg", negative, false)), NOW);
        engine.commit(r);

        RehearsalReservoir res = engine.reservoir(TASK, 0);
        assertThat(res.size()).as("the frozen head's negative is offered").isEqualTo(before + 1);
        assertThat(res.get(res.size() - 1).clip())
                .as("as this sample's own clip, not an older replay entry")
                .isEqualTo(StoredClip.of(fx.backbone
                        .embed(List.of(new BackboneInput.Audio(16_000, negative)))
                        .get(0)));
    }

    @Test
    void onlineRehearsalIsTheSameForTheSameStreamInAnyBatching() {
        List<RawSample> all = new ArrayList<>(firstBatch());
        all.addAll(secondBatch());
        AdaptationEngine.OnlineRehearsal online = new AdaptationEngine.OnlineRehearsal(2, Set.of("acme"), 2);
        AdaptationEngine oneBatch = onlineEngine(online);
        processAndCommit(oneBatch, all);
        AdaptationEngine manyBatches = onlineEngine(online);
        for (int i = 0; i < all.size(); i += 2) {
            processAndCommit(manyBatches, all.subList(i, Math.min(all.size(), i + 2)));
        }
        for (UserKey k : List.of(ALICE, BOB)) {
            assertThat(head(manyBatches, k).trainable())
                    .isEqualTo(head(oneBatch, k).trainable());
        }
    }

    @Test
    void aPendingRollbackIsPublishedOnceWithStatusRolledBackAndItsReason() {
        AdaptationEngine first = fx.engine();
        BatchResult r = processAndCommit(first, firstBatch());
        AdapterState alice = first.stateRecords(r).stream()
                .filter(a -> a.getUser().equals("alice"))
                .findFirst()
                .orElseThrow();
        AdapterState rolledBack = alice.toBuilder()
                .setHeads(0, alice.getHeads(0).toBuilder().setPendingRollbackReason("negative transfer: test"))
                .build();
        AdaptationEngine engine = fx.engine();
        engine.restore(rolledBack);

        BatchResult second = processAndCommit(engine, secondBatch());
        BatchResult third =
                processAndCommit(engine, List.of(train(20, "acme", "alice", "a-9", wake(ALICE_VOICE, 3), true)));

        assertThat(headOf(second, ALICE).getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_ROLLED_BACK);
        assertThat(headOf(second, ALICE).getStatusReason()).isEqualTo("negative transfer: test");
        assertThat(headOf(third, ALICE).getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_ACTIVE);
        assertThat(headOf(third, ALICE).getStatusReason()).isEmpty();
        assertThat(headOf(second, BOB).getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_ACTIVE);
    }

    @Test
    void publishCadenceHoldsBackVersionsUntilEnoughSamplesWereApplied() {
        AdaptationEngine engine = new AdaptationEngine(
                fx.backbone,
                new SampleDecoder(1 << 20, fx.backbone, Map.of(TASK, TaskKind.binary())),
                Map.of(TASK, fx.task()),
                64,
                3);
        BatchResult first = processAndCommit(engine, firstBatch());
        // alice applied 3 samples: published; bob applied 1: held back, but still measured
        assertThat(first.heads()).extracting(HeadUpdate::getHeadId).containsExactly(ALICE.headId(TASK));
        assertThat(first.metrics())
                .as("one record per applied sample, in record order")
                .extracting(AdaptationMetrics::getHeadId, AdaptationMetrics::getSamplesSeen)
                .containsExactly(
                        Tuple.tuple(ALICE.headId(TASK), 1L),
                        Tuple.tuple(BOB.headId(TASK), 1L),
                        Tuple.tuple(ALICE.headId(TASK), 2L),
                        Tuple.tuple(ALICE.headId(TASK), 3L));
        assertThat(metricsOf(first, BOB).getHeadVersion()).isZero();
        BatchResult second = processAndCommit(engine, secondBatch());
        // alice: 2 more (5 - 3 < 3) held back; bob: 2 applied in total since none published -> still held back
        assertThat(second.heads()).isEmpty();
        assertThat(head(engine, ALICE).samplesApplied()).isEqualTo(5);
        assertThat(head(engine, ALICE).version()).isEqualTo(1);
    }

    @Test
    void restoredEngineSkipsSamplesItsStateAlreadyAppliedAndPartitionForgetDropsUsers() {
        AdaptationEngine first = fx.engine();
        BatchResult r1 = processAndCommit(first, firstBatch());
        AdaptationEngine restored = fx.engine();
        first.stateRecords(r1).forEach(restored::restore);
        // the consumer re-delivers the same records (e.g. offsets not yet committed when it crashed)
        BatchResult again = restored.process(firstBatch(), NOW);
        assertThat(again.heads()).isEmpty();
        assertThat(again.rejections()).isEmpty();
        assertThat(again.applied()).isZero();
        assertThat(restored.skippedAlreadyApplied()).isEqualTo(firstBatch().size());
        // new records after the restore point are applied exactly as by the engine that never stopped
        restored.commit(again);
        BatchResult r2 = processAndCommit(restored, secondBatch());
        BatchResult expected = processAndCommit(first, secondBatch());
        assertThat(bytes(r2)).containsExactlyElementsOf(bytes(expected));
        int users = restored.users();
        assertThat(restored.forgetPartition(firstBatch().get(0).partition())).isEqualTo(users);
        assertThat(restored.users()).isZero();
    }

    @Test
    void sampleWhoseEmbeddingIsNotFiniteIsRejectedAndTheOthersAreApplied() {
        // a backbone that returns a NaN embedding for the second input of every call
        Backbone broken = new Backbone() {
            @Override
            public BackboneInfo info() {
                return fx.backbone.info();
            }

            @Override
            public List<EmbeddingSequence> embed(List<? extends BackboneInput> inputs) {
                List<EmbeddingSequence> e = new ArrayList<>(fx.backbone.embed(inputs));
                float[] v = e.get(1).values().clone();
                v[7] = Float.NaN;
                e.set(1, new EmbeddingSequence(e.get(1).frames(), e.get(1).dim(), v));
                return e;
            }

            @Override
            public void validate(BackboneInput input) {
                fx.backbone.validate(input);
            }

            @Override
            public void close() {}
        };
        AdaptationEngine engine = new AdaptationEngine(
                broken,
                new SampleDecoder(1 << 20, broken, Map.of(TASK, TaskKind.binary())),
                Map.of(TASK, fx.task()),
                64);
        BatchResult r = engine.process(firstBatch(), NOW);
        assertThat(r.rejections()).singleElement().satisfies(x -> {
            assertThat(x.reason()).isEqualTo(RejectReason.NON_FINITE);
            assertThat(x.sampleId()).isEqualTo("b-1");
        });
        assertThat(r.applied()).isEqualTo(3);
        engine.commit(r);
        assertThat(head(engine, BOB)).isNull();
        assertThat(head(engine, ALICE).samplesApplied()).isEqualTo(3);
    }

    @Test
    void batchInFlightWhenItsPartitionIsRevokedDoesNotComeBackToLife() {
        AdaptationEngine engine = fx.engine();
        processAndCommit(engine, firstBatch());
        int partition = firstBatch().get(0).partition();
        // revoked before the batch: after re-assignment the next batch is ours again
        engine.forgetPartition(partition);
        BatchResult afterReassign = engine.process(secondBatch(), NOW);
        assertThat(engine.revokedDuring(afterReassign))
                .as("revoked before, not during the batch")
                .isFalse();
        engine.commit(afterReassign);
        assertThat(engine.users()).isEqualTo(2);
        // revoked while a batch is in flight: its commit must not resurrect the partition's users
        engine.forgetPartition(partition);
        BatchResult inFlight = engine.process(firstBatch(), NOW);
        engine.forgetPartition(partition);
        assertThat(engine.revokedDuring(inFlight))
                .as("a refused offset commit is then a rebalance")
                .isTrue();
        engine.commit(inFlight);
        assertThat(engine.users()).isZero();
    }

    @Test
    void metricsCarryTheNegativeTransferTestOnThePrequentialLossGap() {
        AdaptationEngine engine = fx.engine();
        AdaptationMetrics m = metricsOf(processAndCommit(engine, firstBatch()), ALICE);
        HeadState alice = head(engine, ALICE);
        assertThat(m.getNegativeTransferThreshold())
                .isEqualTo(HeadMonitors.NEGATIVE_TRANSFER.threshold())
                .isGreaterThan(0);
        assertThat(m.getNegativeTransferStatistic())
                .isEqualTo(alice.negativeTransferStatistic())
                .isNotNegative();
        assertThat(alice.negativeTransferSamples()).isEqualTo(3);
        assertThat(m.getLossRiseThreshold())
                .isEqualTo(HeadMonitors.NEGATIVE_TRANSFER.lossRise().threshold())
                .isGreaterThan(0);
        assertThat(m.getLossRiseStatistic())
                .isEqualTo(alice.lossRiseStatistic())
                .isNotNegative();
        assertThat(m.getLossRiseAlarm()).isEqualTo(alice.lossRiseAlarm());
        // the gap is adapted minus source loss: before any training both heads score alike, so the
        // first sample's gap is exactly zero
        AdaptationEngine fresh = fx.engine();
        processAndCommit(fresh, firstBatch().subList(0, 1));
        assertThat(head(fresh, ALICE).lastLossGap()).isZero();
        System.out.printf(
                "negative-transfer CUSUM threshold (calibrated): %.3f, loss-rise threshold: %.3f%n",
                HeadMonitors.NEGATIVE_TRANSFER.threshold(),
                HeadMonitors.NEGATIVE_TRANSFER.lossRise().threshold());
    }

    @Test
    void publishedHeadCarriesProvenanceAndDecodesToTheLiveWeights() {
        AdaptationEngine engine = fx.engine();
        BatchResult r = processAndCommit(engine, firstBatch());

        HeadUpdate u = headOf(r, ALICE);
        assertThat(u.getTenant()).isEqualTo("acme");
        assertThat(u.getUser()).isEqualTo("alice");
        assertThat(u.getTask()).isEqualTo(TASK);
        assertThat(u.getVersion()).isEqualTo(1);
        assertThat(u.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_ACTIVE);
        assertThat(u.getCreatedTimeMs()).isEqualTo(NOW);
        assertThat(u.getProvenance().getSourceHeadId()).isEqualTo("hey_jarvis_v0.1");
        assertThat(u.getProvenance().getSourceHeadSha256()).isEqualTo(fx.source.sha256());
        assertThat(u.getProvenance().getBackboneSha256())
                .isEqualTo(fx.backbone.info().sha256());
        assertThat(u.getProvenance().getSamplesApplied()).isEqualTo(3);
        assertThat(u.getProvenance().getSourcePartition()).isEqualTo(0);
        assertThat(u.getProvenance().getFirstOffset()).isEqualTo(10);
        assertThat(u.getProvenance().getLastOffset()).isEqualTo(13);
        assertThat(u.getSpec().getInputShapeList()).containsExactly(16, WakeWordBackbone.EMBEDDING_DIM);

        HeadCodec.Decoded d = HeadCodec.decode(u, fx.source);
        assertThat(d.trainable()).isEqualTo(head(engine, ALICE).trainable());
        assertThat(d.threshold()).isEqualTo(head(engine, ALICE).threshold());
        assertThat(headOf(r, BOB).getProvenance().getSamplesApplied()).isEqualTo(1);
    }

    @Test
    void uncommittedBatchLeavesLiveStateUnchangedAndCommitAdvancesVersions() {
        AdaptationEngine engine = fx.engine();
        BatchResult first = engine.process(firstBatch(), NOW);
        assertThat(engine.users()).isZero();
        assertThat(engine.user(ALICE)).isNull();

        BatchResult again = engine.process(firstBatch(), NOW);
        assertThat(again.heads()).extracting(HeadUpdate::getVersion).containsExactly(1L, 1L);
        assertThat(bytes(again)).containsExactlyElementsOf(bytes(first));

        engine.commit(again);
        assertThat(engine.users()).isEqualTo(2);
        float[] committed = head(engine, ALICE).trainable();
        float threshold = head(engine, ALICE).threshold();
        assertThat(head(engine, ALICE).version()).isEqualTo(1);

        BatchResult second = engine.process(secondBatch(), NOW);
        assertThat(head(engine, ALICE).trainable()).isEqualTo(committed);
        assertThat(head(engine, ALICE).threshold()).isEqualTo(threshold);
        assertThat(head(engine, ALICE).version()).isEqualTo(1);
        assertThat(head(engine, ALICE).samplesApplied()).isEqualTo(3);

        BatchResult secondAgain = engine.process(secondBatch(), NOW);
        assertThat(secondAgain.heads()).extracting(HeadUpdate::getVersion).containsExactly(2L, 2L);
        assertThat(bytes(secondAgain)).containsExactlyElementsOf(bytes(second));

        engine.commit(secondAgain);
        assertThat(head(engine, ALICE).version()).isEqualTo(2);
        assertThat(head(engine, ALICE).samplesApplied()).isEqualTo(5);
        assertThat(head(engine, ALICE).trainable())
                .isNotEqualTo(committed)
                .isEqualTo(
                        HeadCodec.decode(headOf(secondAgain, ALICE), fx.source).trainable());
    }

    @Test
    void duplicateSampleIdIsRejectedAndDoesNotChangeTheHead() {
        AdaptationEngine engine = fx.engine();
        processAndCommit(engine, firstBatch());
        float[] before = head(engine, ALICE).trainable();

        // A producer retry of a-2, even with other content, is the same sample.
        RawSample retry = train(20, "acme", "alice", "a-2", wake(ALICE_VOICE, 2), true);
        BatchResult r = processAndCommit(engine, List.of(retry));

        assertThat(r.rejections()).singleElement().satisfies(j -> {
            assertThat(j.reason()).isEqualTo(RejectReason.DUPLICATE);
            assertThat(j.sampleId()).isEqualTo("a-2");
            assertThat(j.source()).isSameAs(retry);
        });
        assertThat(r.applied()).isZero();
        assertThat(r.heads()).isEmpty();
        assertThat(head(engine, ALICE).trainable()).isEqualTo(before);
        assertThat(head(engine, ALICE).version()).isEqualTo(1);
        assertThat(head(engine, ALICE).samplesApplied()).isEqualTo(3);
    }

    @Test
    void duplicateWithinOneBatchIsAppliedOnce() {
        RawSample s = train(20, "acme", "alice", "a-9", wake(ALICE_VOICE, 2), true);
        RawSample retry = train(21, "acme", "alice", "a-9", wake(ALICE_VOICE, 2), true);
        AdaptationEngine twice = fx.engine();
        BatchResult r = processAndCommit(twice, List.of(s, retry));
        AdaptationEngine once = fx.engine();
        processAndCommit(once, List.of(s));

        assertThat(r.rejections()).extracting(Rejection::reason).containsExactly(RejectReason.DUPLICATE);
        assertThat(r.rejections().get(0).source()).isSameAs(retry);
        assertThat(head(twice, ALICE).samplesApplied()).isEqualTo(1);
        assertThat(head(twice, ALICE).trainable()).isEqualTo(head(once, ALICE).trainable());
    }

    @Test
    void sampleIdsAreUniquePerUserNotAcrossUsers() {
        AdaptationEngine engine = fx.engine();
        BatchResult r = processAndCommit(
                engine,
                List.of(
                        train(1, "acme", "alice", "x-1", wake(ALICE_VOICE, 0), true),
                        train(2, "acme", "bob", "x-1", wake(BOB_VOICE, 0), true),
                        train(3, "globex", "alice", "x-1", wake(CAROL_VOICE, 0), true)));
        assertThat(r.rejections()).isEmpty();
        assertThat(r.heads()).hasSize(3);
    }

    @Test
    void holdoutSamplesChangeNoWeightsButAreCountedInHoldoutStats() {
        AdaptationEngine engine = fx.engine();
        BatchResult trained = processAndCommit(engine, firstBatch());
        AdaptationMetrics before = metricsOf(trained, ALICE);
        HeadState h = head(engine, ALICE);
        float[] weights = h.trainable();
        float threshold = h.threshold();

        BatchResult r = processAndCommit(
                engine,
                List.of(
                        holdout(30, "acme", "alice", "h-1", wake(ALICE_VOICE, 2), true),
                        holdout(31, "acme", "alice", "h-2", other(ALICE_VOICE, 1), false),
                        holdout(32, "acme", "alice", "h-3", wake(CAROL_VOICE, 1), true)));

        assertThat(r.rejections()).isEmpty();
        assertThat(r.heads()).as("no new head version").isEmpty();
        assertThat(head(engine, ALICE).trainable()).isEqualTo(weights);
        assertThat(head(engine, ALICE).threshold()).isEqualTo(threshold);
        assertThat(head(engine, ALICE).version()).isEqualTo(1);
        assertThat(head(engine, ALICE).samplesApplied()).isEqualTo(3);

        AdaptationMetrics m = metricsOf(r, ALICE);
        assertThat(m.getHeadVersion()).isEqualTo(1);
        assertThat(m.getSourceHoldout().getCount()).isEqualTo(3);
        assertThat(m.getAdaptedHoldout().getCount()).isEqualTo(3);
        assertThat(m.getAdaptedHoldout().getPositives()).isEqualTo(2);
        assertThat(m.getAdaptedHoldout().getNegatives()).isEqualTo(1);
        assertThat(m.getAdaptedPrequential()).isEqualTo(before.getAdaptedPrequential());
        assertThat(m.getSourcePrequential()).isEqualTo(before.getSourcePrequential());
        assertThat(m.getSamplesApplied()).isEqualTo(3);
        assertThat(m.getSamplesSeen()).isEqualTo(before.getSamplesSeen() + 3);
        assertThat(m.getLastOffset())
                .as("holdout samples are not training offsets")
                .isEqualTo(13);
    }

    @Test
    void holdoutBeforeAnyTrainingScoresTheAdaptedHeadLikeTheSource() {
        // Holdout first on a fresh user: both heads are the source head, so their scores agree.
        AdaptationEngine engine = fx.engine();
        BatchResult r = processAndCommit(
                engine,
                List.of(
                        holdout(1, "acme", "alice", "h-1", wake(ALICE_VOICE, 0), true),
                        holdout(2, "acme", "alice", "h-2", other(ALICE_VOICE, 0), false)));
        AdaptationMetrics m = metricsOf(r, ALICE);
        assertThat(r.heads()).isEmpty();
        assertThat(m.getHeadVersion()).isZero();
        assertThat(m.getAdaptedHoldout().getMeanLoss())
                .isEqualTo(m.getSourceHoldout().getMeanLoss());
        assertThat(head(engine, ALICE).trainable())
                .isEqualTo(fx.source.trainableTail(WakeWordFixture.RECIPE.trainableTopLayers()));
    }

    @Test
    void sampleForOneUserNeverChangesAnotherUsersHead() {
        AdaptationEngine engine = fx.engine();
        processAndCommit(engine, firstBatch());
        float[] bob = head(engine, BOB).trainable();
        float bobThreshold = head(engine, BOB).threshold();

        BatchResult r = processAndCommit(
                engine,
                List.of(
                        train(20, "acme", "alice", "a-10", wake(ALICE_VOICE, 2), true),
                        // The payload claims bob, the key says alice: rejected, and bob is untouched.
                        new RawSample(
                                0,
                                21,
                                "acme/alice".getBytes(StandardCharsets.UTF_8),
                                train(21, "acme", "bob", "b-10", wake(ALICE_VOICE, 1), false)
                                        .value())));

        assertThat(r.rejections()).extracting(Rejection::reason).containsExactly(RejectReason.TENANT_MISMATCH);
        assertThat(r.staged()).containsOnlyKeys(ALICE);
        assertThat(r.heads()).extracting(HeadUpdate::getHeadId).containsExactly("acme/alice/wake");
        assertThat(head(engine, BOB).trainable()).isEqualTo(bob);
        assertThat(head(engine, BOB).threshold()).isEqualTo(bobThreshold);
        assertThat(head(engine, BOB).version()).isEqualTo(1);
    }

    @Test
    void sameUserIdInTwoTenantsGetsTwoIndependentHeads() {
        List<RawSample> globexOnly = List.of(
                train(2, "globex", "alice", "g-1", wake(CAROL_VOICE, 0), true),
                train(4, "globex", "alice", "g-2", other(CAROL_VOICE, 0), false));
        List<RawSample> mixed = List.of(
                train(1, "acme", "alice", "a-1", wake(ALICE_VOICE, 0), true),
                globexOnly.get(0),
                train(3, "acme", "alice", "a-2", other(ALICE_VOICE, 0), false),
                globexOnly.get(1));

        AdaptationEngine engine = fx.engine();
        BatchResult r = processAndCommit(engine, mixed);
        AdaptationEngine alone = fx.engine();
        BatchResult rAlone = processAndCommit(alone, globexOnly);

        HeadUpdate acme = headOf(r, ALICE);
        HeadUpdate globex = headOf(r, GLOBEX_ALICE);
        assertThat(globex.getHeadId()).isEqualTo("globex/alice/wake").isNotEqualTo(acme.getHeadId());
        assertThat(globex.getTenant()).isEqualTo("globex");
        assertThat(acme.getProvenance().getSamplesApplied()).isEqualTo(2);
        assertThat(globex.getProvenance().getSamplesApplied()).isEqualTo(2);
        assertThat(head(engine, GLOBEX_ALICE).trainable())
                .isNotEqualTo(head(engine, ALICE).trainable());
        assertThat(globex.toByteArray())
                .as("globex/alice's head is what globex/alice's samples alone give")
                .isEqualTo(headOf(rAlone, GLOBEX_ALICE).toByteArray());
        assertThat(engine.users()).isEqualTo(2);
    }

    @Test
    void rejectsClipTooShortForTheHeadInsteadOfFailingTheBatch() {
        // Long enough for the backbone (one embedding) but not for a 16-frame head window.
        short[] short1s = new short[WakeWordBackbone.samplesFor(WakeWordBackbone.FrontEnd.STREAMING, 16) - 1];
        System.arraycopy(wake(ALICE_VOICE, 0), 0, short1s, 0, short1s.length);
        AdaptationEngine engine = fx.engine();

        BatchResult r = processAndCommit(
                engine,
                List.of(
                        train(1, "acme", "alice", "a-1", wake(ALICE_VOICE, 0), true),
                        train(2, "acme", "alice", "a-2", short1s, true),
                        train(3, "acme", "bob", "b-1", wake(BOB_VOICE, 0), true)));

        assertThat(r.rejections()).singleElement().satisfies(j -> {
            assertThat(j.reason()).isEqualTo(RejectReason.SHAPE_MISMATCH);
            assertThat(j.sampleId()).isEqualTo("a-2");
            assertThat(j.message())
                    .endsWith("(the clip has 31999 samples; a window of 16 frames needs at least 32000,"
                            + " 2.00 s at 16 kHz)");
        });
        assertThat(r.heads()).hasSize(2);
        assertThat(head(engine, ALICE).samplesApplied()).isEqualTo(1);

        // The rejected id was not consumed: a proper clip under it is applied.
        BatchResult again =
                processAndCommit(engine, List.of(train(4, "acme", "alice", "a-2", wake(ALICE_VOICE, 1), true)));
        assertThat(again.rejections()).isEmpty();
        assertThat(head(engine, ALICE).samplesApplied()).isEqualTo(2);
    }

    @Test
    void badRecordsBecomeRejectionsAndTheRestOfTheBatchIsApplied() {
        AdaptationEngine engine = fx.engine();
        RawSample garbage = new RawSample(0, 2, "acme/alice".getBytes(StandardCharsets.UTF_8), new byte[] {0, 1, 2});
        RawSample badKey = new RawSample(0, 3, null, firstBatch().get(0).value());
        BatchResult r = processAndCommit(
                engine,
                List.of(
                        train(1, "acme", "alice", "a-1", wake(ALICE_VOICE, 0), true),
                        garbage,
                        badKey,
                        train(4, "acme", "alice", "a-2", other(ALICE_VOICE, 0), false)));
        assertThat(r.rejections())
                .extracting(Rejection::reason)
                .containsExactlyInAnyOrder(RejectReason.MALFORMED, RejectReason.BAD_KEY);
        assertThat(r.applied()).isEqualTo(2);
        assertThat(head(engine, ALICE).samplesApplied()).isEqualTo(2);
    }
}
