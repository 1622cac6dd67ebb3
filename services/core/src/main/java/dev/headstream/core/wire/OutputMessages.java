package dev.headstream.core.wire;

import dev.headstream.core.adapt.state.ClassHeadState;
import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.state.ScoreStats;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.embed.BackboneInfo;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadScore;
import dev.headstream.schemas.v1.HeadSpec;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.OutputScore;
import dev.headstream.schemas.v1.Provenance;
import dev.headstream.schemas.v1.Rejected;
import dev.headstream.schemas.v1.TensorBlob;
import java.util.List;

/**
 * The output records of the adaptation engine, built from domain state: a head version
 * ({@link HeadUpdate}), a head's metrics after one sample ({@link AdaptationMetrics}) and a
 * rejected record ({@link Rejected}). Reads the state, changes nothing. Stateless and thread-safe.
 */
public final class OutputMessages {

    /** The engine every published head names in its provenance. */
    public static final String ENGINE = "native-f32";

    private OutputMessages() {}

    /**
     * The version of {@code h} its task just made ({@link BinaryHeadTask#publishIfDue}): status RESET
     * or ROLLED_BACK with the pending reason, else ACTIVE with the hold reason; the published tail
     * and threshold (the source head's while held at the source); provenance.
     */
    public static HeadUpdate headUpdate(
            BinaryHeadTask task, UserKey key, String taskName, HeadState h, BackboneInfo backbone, long nowMs) {
        return version(h.headId(), key, taskName, h.version(), h.pendingReset(), h.pendingRollback())
                .setStatusReason(h.pendingRollback() != null ? h.pendingRollback() : h.heldReason())
                .setHeldAtSource(h.heldAtSource())
                .setProvenance(Provenance.newBuilder()
                        .setSourceHeadId(task.sourceHead().id())
                        .setSourceHeadSha256(task.sourceHead().sha256())
                        .setBackboneSha256(backbone.sha256())
                        .setSeed(h.seed())
                        .setSamplesApplied(h.samplesApplied())
                        .setSourcePartition(h.partition())
                        .setFirstOffset(h.firstOffset())
                        .setLastOffset(h.lastOffset())
                        .setEngine(ENGINE)
                        .setNegativeBankSha256(
                                task.bank() == null ? "" : task.bank().id())
                        .setNearMissesSha256(
                                task.phrasePerUser()
                                        ? h.nearMissesSha256()
                                        : task.nearMisses().isEmpty()
                                                ? ""
                                                : task.nearMisses().sha256())
                        .setNearMissesLearned(h.nearMissesLearned())
                        .setPhrase(
                                task.phrasePerUser()
                                        ? h.phrase()
                                        : task.nearMisses().phrase()))
                .setSpec(headSpec(task, backbone))
                .addAllTrainable(headTensors(task, h))
                .setThreshold(task.publishedThreshold(h))
                .setCreatedTimeMs(nowMs)
                .build();
    }

    /** The spec of {@code task}'s published heads: a top-k tail, or the source head plus LoRA deltas. */
    public static HeadSpec headSpec(BinaryHeadTask task, BackboneInfo backbone) {
        int frames = task.recipe().windowFrames();
        return task.loraHead() == null
                ? HeadCodec.spec(
                        task.head().architecture(), task.head().trainableTopK(), frames, backbone.embeddingDim())
                : HeadCodec.loraSpec(task.head().architecture(), task.loraHead(), frames, backbone.embeddingDim());
    }

    /** The tensors a version of {@code h} carries: its per-user part only (a top-k tail, or its LoRA vector). */
    public static List<TensorBlob> headTensors(BinaryHeadTask task, HeadState h) {
        return task.loraHead() == null
                ? HeadCodec.tensors(task.head(), task.publishedTrainable(h))
                : HeadCodec.loraTensors(task.loraHead(), task.publishedVector(h));
    }

    /** A snapshot of {@code h}'s monitors and statistics right after a sample was applied to it. */
    public static AdaptationMetrics metrics(UserKey key, String taskName, HeadState h, long nowMs) {
        double hours = h.negativeSeconds() / 3600.0;
        ScoreStats.Sums adapted = h.adaptedPrequential();
        return AdaptationMetrics.newBuilder()
                .setHeadId(h.headId())
                .setTenant(key.tenant())
                .setUser(key.user())
                .setTask(taskName)
                .setHeadVersion(h.version())
                .setSourcePrequential(score(h.sourcePrequential()))
                .setAdaptedPrequential(score(adapted))
                .setSourceHoldout(score(h.sourceHoldout()))
                .setAdaptedHoldout(score(h.adaptedHoldout()))
                .setNegativeTransferGap(h.negativeTransferSamples() == 0 ? 0 : h.negativeTransferWindowGap())
                .setNegativeTransferStatistic(h.negativeTransferStatistic())
                .setNegativeTransferThreshold(h.negativeTransferThreshold())
                .setNegativeTransferAlarm(h.negativeTransferAlarm())
                .setLossRiseStatistic(zeroIfNaN(h.lossRiseStatistic()))
                .setLossRiseThreshold(zeroIfNaN(h.lossRiseThreshold()))
                .setLossRiseAlarm(h.lossRiseAlarm())
                .setDriftStatistic(zeroIfNaN(h.driftStatistic()))
                .setDriftThreshold(zeroIfNaN(h.driftThreshold()))
                .setDriftAlarm(h.driftAlarm())
                .setDomainMmd2(zeroIfNaN(h.domainMmd2()))
                .setDomainPValue(zeroIfNaN(h.domainPValue()))
                .setAdwinWidth(h.adwinWidth())
                .setAdwinErrorRate(zeroIfNaN(h.adwinErrorRate()))
                .setErrorRiseAlarm(h.errorRiseAlarm())
                .setCalibrationFalseAccepts(h.calibrationFalseAccepts())
                .setCalibrationHours(h.calibrationHours())
                .setCalibrationFalseAcceptsPerHour(
                        h.calibrationHours() == 0 ? 0 : h.calibrationFalseAccepts() / h.calibrationHours())
                .setHeldAtSource(h.heldAtSource())
                .setHeldReason(h.heldReason())
                .setGeneralizationGap(h.lastTrainingLoss() - h.lastPrequentialLoss())
                .setSamplesApplied(h.samplesApplied())
                .setSamplesSeen(h.samplesSeen())
                .setRecall(adapted.recall())
                .setFalseAcceptsPerHour(hours == 0 ? 0 : adapted.falsePositives() / hours)
                .setSourcePartition(h.partition())
                .setLastOffset(h.lastOffset())
                .setCreatedTimeMs(nowMs)
                .build();
    }

    /**
     * The version of class head {@code h} that {@link ClassHeadState#publishIfDue} just made: status
     * RESET or ROLLED_BACK when one is owed, else ACTIVE; every parameter; provenance naming the
     * task's start head ({@code fresh:<seed>} and its SHA-256). A class head has no threshold (0).
     */
    public static HeadUpdate classHeadUpdate(
            ClassHeadTask task, UserKey key, String taskName, ClassHeadState h, BackboneInfo backbone, long nowMs) {
        return version(h.headId(), key, taskName, h.version(), h.pendingReset(), h.pendingRollback())
                .setStatusReason(
                        h.pendingRollback() != null
                                ? h.pendingRollback()
                                : h.pendingReset() ? h.pendingResetReason() : "")
                .setProvenance(Provenance.newBuilder()
                        .setSourceHeadId(task.startId())
                        .setSourceHeadSha256(task.startSha256())
                        .setBackboneSha256(backbone.sha256())
                        .setSeed(h.seed())
                        .setSamplesApplied(h.samplesApplied())
                        .setSourcePartition(h.partition())
                        .setFirstOffset(h.firstOffset())
                        .setLastOffset(h.lastOffset())
                        .setEngine(ENGINE))
                .setSpec(HeadCodec.classSpec(
                        task.architecture(),
                        task.recipe().labels(),
                        task.pooling().label(),
                        task.trainableTopLayers()))
                .addAllTrainable(HeadCodec.classTensors(task.architecture(), task.publishedParameters(h)))
                .setCreatedTimeMs(nowMs)
                .build();
    }

    /**
     * A snapshot of class head {@code h} right after a sample was applied to it: the start head's
     * and the adapted head's prequential and holdout scores (loss and accuracy; a sample is right
     * when its class ranks first, or every labeled output is on its label's side of 0.5), the
     * adapted head's prequential figures per output, and the generalization gap.
     */
    public static AdaptationMetrics classMetrics(
            UserKey key, String taskName, ClassHeadTask task, ClassHeadState h, long nowMs) {
        AdaptationMetrics.Builder b = AdaptationMetrics.newBuilder()
                .setHeadId(h.headId())
                .setTenant(key.tenant())
                .setUser(key.user())
                .setTask(taskName)
                .setHeadVersion(h.version())
                .setSourcePrequential(score(h.startPrequential()))
                .setAdaptedPrequential(score(h.adaptedPrequential()))
                .setSourceHoldout(score(h.startHoldout()))
                .setAdaptedHoldout(score(h.adaptedHoldout()))
                .setGeneralizationGap(zeroIfNaN(h.lastTrainingLoss() - h.lastPrequentialLoss()))
                .setSamplesApplied(h.samplesApplied())
                .setSamplesSeen(h.samplesSeen())
                .setSourcePartition(h.partition())
                .setLastOffset(h.lastOffset())
                .setCreatedTimeMs(nowMs);
        for (int o = 0; o < h.outputs(); o++) {
            long n = h.outputLabeled(o);
            b.addOutputs(OutputScore.newBuilder()
                    .setLabel(task.recipe().labels().get(o))
                    .setLabeled(n)
                    .setCorrect(h.outputCorrect(o))
                    .setMeanLoss(n == 0 ? 0 : h.outputLossSum(o) / n));
        }
        return b.build();
    }

    /**
     * The reject record of {@code r}; {@code samplesTopic} names the topic of a rejected sample. Its
     * strings are {@link Bounded}: the message to {@link Bounded#MAX_MESSAGE_CHARS}, the sample id and
     * topic to {@link Bounded#MAX_ID_CHARS}, so the record stays small whatever the consumed record
     * held. Its record key is {@link #rejectedKey}.
     */
    public static Rejected rejected(Rejection r, String samplesTopic, long nowMs) {
        return Rejected.newBuilder()
                .setTopic(Bounded.id(r.topic() != null ? r.topic() : samplesTopic))
                .setPartition(r.source().partition())
                .setOffset(r.source().offset())
                .setReason(r.reason())
                .setMessage(Bounded.message(r.message() == null ? "" : r.message()))
                .setSampleId(Bounded.id(r.sampleId() == null ? "" : r.sampleId()))
                .setRejectedTimeMs(nowMs)
                .build();
    }

    /**
     * The record key of {@code r}'s reject record: the consumed record's key, cut to
     * {@link Bounded#MAX_KEY_BYTES} ({@link Bounded#key}); null for a record without a key.
     */
    public static byte[] rejectedKey(Rejection r) {
        return Bounded.key(r.source().key());
    }

    private static HeadScore score(ScoreStats.Sums s) {
        return HeadScore.newBuilder()
                .setCount(s.count())
                .setMeanLoss(s.meanLoss())
                .setAccuracy(s.accuracy())
                .setPositives(s.positives())
                .setTruePositives(s.truePositives())
                .setNegatives(s.negatives())
                .setFalsePositives(s.falsePositives())
                .build();
    }

    /** A head version's identity and status: RESET, ROLLED_BACK or ACTIVE ({@link #status}). */
    private static HeadUpdate.Builder version(
            String headId, UserKey key, String taskName, long version, boolean pendingReset, String pendingRollback) {
        return HeadUpdate.newBuilder()
                .setHeadId(headId)
                .setTenant(key.tenant())
                .setUser(key.user())
                .setTask(taskName)
                .setVersion(version)
                .setStatus(status(pendingReset, pendingRollback));
    }

    /** RESET when one is owed, else ROLLED_BACK when a rollback is, else ACTIVE. */
    private static HeadStatus status(boolean pendingReset, String pendingRollback) {
        if (pendingReset) {
            return HeadStatus.HEAD_STATUS_RESET;
        }
        return pendingRollback != null ? HeadStatus.HEAD_STATUS_ROLLED_BACK : HeadStatus.HEAD_STATUS_ACTIVE;
    }

    private static double zeroIfNaN(double v) {
        return Double.isNaN(v) ? 0 : v;
    }
}
