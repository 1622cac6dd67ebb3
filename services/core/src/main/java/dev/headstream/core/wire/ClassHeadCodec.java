package dev.headstream.core.wire;

import dev.headstream.core.adapt.state.ClassHeadState;
import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.adapt.task.ClassRecipe;
import dev.headstream.core.head.OptimizerState;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.v1.ClassExample;
import dev.headstream.schemas.v1.ClassHeadTrainingState;
import dev.headstream.schemas.v1.OptimizerSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * A class head's training state ({@link ClassHeadState}) on the changelog
 * ({@code ClassHeadTrainingState} of {@code adapter_state.proto}), copied bit for bit both ways, so
 * that a restored head trains on exactly as the one that was written. Decoding refuses, naming the
 * field, any record that does not fit the task: another start head, wrong lengths, a replay
 * example of another width or label shape, a version or counts below zero.
 */
final class ClassHeadCodec {

    /**
     * Largest pooled input a replay example may hold: the engine refuses embeddings beyond 1e6 in
     * magnitude, so a mean is at most that and a standard deviation at most twice it.
     */
    static final float MAX_INPUT = 2e6f;

    /** Most optimizer steps a record may state (far beyond any head's life; a bound against overflow). */
    static final long MAX_STEPS = 1L << 50;

    private ClassHeadCodec() {}

    static ClassHeadTrainingState encode(String taskName, ClassHeadTask task, ClassHeadState head) {
        ClassHeadState.Snapshot h = head.snapshot();
        OptimizerSnapshot.Builder opt =
                OptimizerSnapshot.newBuilder().setSteps(h.optimizer().steps());
        for (int i = 0; i < h.optimizer().slotCount(); i++) {
            opt.addSlotsF32Le(UserStateCodec.bytes(h.optimizer().copySlot(i)));
        }
        ClassHeadTrainingState.Builder b = ClassHeadTrainingState.newBuilder()
                .setTask(taskName)
                .setHeadId(h.headId())
                .setStartSha256(task.startSha256())
                .setSeed(h.seed())
                .setParametersF32Le(UserStateCodec.bytes(h.parameters()))
                .setOptimizer(opt)
                .setVersion(h.version())
                .setSamplesApplied(h.samplesApplied())
                .setSamplesSeen(h.samplesSeen())
                .setPublishedSamples(h.publishedSamples())
                .setChanged(h.changed())
                .setPartition(h.partition())
                .setFirstOffset(h.firstOffset())
                .setLastOffset(h.lastOffset())
                .setStartPrequential(UserStateCodec.scores(h.startPrequential()))
                .setAdaptedPrequential(UserStateCodec.scores(h.adaptedPrequential()))
                .setStartHoldout(UserStateCodec.scores(h.startHoldout()))
                .setAdaptedHoldout(UserStateCodec.scores(h.adaptedHoldout()))
                .setFrozen(h.frozen())
                .setLastTrainingLoss(h.lastTrainingLoss())
                .setLastPrequentialLoss(h.lastPrequentialLoss())
                .setPendingReset(h.pendingReset())
                .setPendingResetReason(h.pendingResetReason())
                .setKind(ClassRecipe.kindName(task.recipe().kind()))
                .addAllLabels(task.recipe().labels())
                .setPendingRollback(h.pendingRollback() == null ? "" : h.pendingRollback());
        for (int o = 0; o < h.outputLabeled().length; o++) {
            b.addOutputLabeled(h.outputLabeled()[o]);
            b.addOutputCorrect(h.outputCorrect()[o]);
            b.addOutputLossSum(h.outputLossSum()[o]);
        }
        for (ClassHeadState.Example e : h.replay()) {
            ClassExample.Builder x = ClassExample.newBuilder()
                    .setInputF32Le(UserStateCodec.bytes(e.input()))
                    .setWeight(e.weight());
            for (float t : e.targets()) {
                x.addTargets(t);
            }
            if (e.mask() != null) {
                for (boolean m : e.mask()) {
                    x.addMask(m);
                }
            }
            b.addReplay(x);
        }
        return b.build();
    }

    static ClassHeadState decode(UserKey key, ClassHeadTask task, ClassHeadTrainingState h) {
        String headId = key.headId(h.getTask());
        String where = "adapter state of class head " + headId;
        if (!h.getHeadId().equals(headId)) {
            throw new IllegalArgumentException(where + " is labelled '" + h.getHeadId() + "'");
        }
        if (!h.getStartSha256().equals(task.startSha256())) {
            throw new IllegalArgumentException(where + " started from head " + h.getStartSha256()
                    + ", not from task '" + task.name() + "' start " + task.startId() + " (" + task.startSha256()
                    + ")");
        }
        String kind = ClassRecipe.kindName(task.recipe().kind());
        if (!h.getKind().equals(kind) || !h.getLabelsList().equals(task.recipe().labels())) {
            throw new IllegalArgumentException(where + " was trained as " + h.getKind() + " " + h.getLabelsList()
                    + "; task '" + task.name() + "' is " + kind + " "
                    + task.recipe().labels()
                    + " (a trained output never takes another label's meaning)");
        }
        ClassHeadState fresh = task.newState(headId);
        if (h.getSeed() != fresh.seed()) {
            throw new IllegalArgumentException(where + " has seed " + Long.toHexString(h.getSeed()) + ", expected "
                    + Long.toHexString(fresh.seed()));
        }
        int length = fresh.liveParameters().length;
        float[] parameters = UserStateCodec.floats(h.getParametersF32Le(), where + " parameters");
        if (parameters.length != length) {
            throw new IllegalArgumentException(
                    where + " has " + parameters.length + " parameters; task '" + task.name() + "' has " + length);
        }
        for (int i = 0; i < parameters.length; i++) {
            if (!Float.isFinite(parameters[i])) {
                throw new IllegalArgumentException(where + " has a non-finite parameter at " + i);
            }
        }
        OptimizerSnapshot o = h.getOptimizer();
        int slots = fresh.liveOptimizer().slotCount();
        if (o.getSlotsF32LeCount() != slots || o.getSteps() < 0 || o.getSteps() > MAX_STEPS) {
            throw new IllegalArgumentException(where + " has " + o.getSlotsF32LeCount() + " optimizer slots and "
                    + o.getSteps() + " steps; expected " + slots + " slots and steps >= 0");
        }
        float[][] slot = new float[slots][];
        for (int i = 0; i < slots; i++) {
            slot[i] = UserStateCodec.floats(o.getSlotsF32Le(i), where + " optimizer slot " + i);
            if (slot[i].length != length) {
                throw new IllegalArgumentException(
                        where + " optimizer slot " + i + " has " + slot[i].length + " values, expected " + length);
            }
            for (int j = 0; j < length; j++) {
                // Adam: slot 1 holds second moments, never negative
                if (!Float.isFinite(slot[i][j]) || (i == 1 && slot[i][j] < 0f)) {
                    throw new IllegalArgumentException(
                            where + " optimizer slot " + i + " has a bad value " + slot[i][j] + " at " + j);
                }
            }
        }
        int outputs = task.recipe().outputs();
        boolean multiLabel = task.recipe().kind() == TaskKind.Type.MULTI_LABEL;
        int inputWidth = task.architecture().inputDim();
        if (h.getReplayCount() > ClassRecipe.MAX_REPLAY) {
            throw new IllegalArgumentException(where + " remembers " + h.getReplayCount()
                    + " examples; a class head keeps at most " + ClassRecipe.MAX_REPLAY);
        }
        List<ClassHeadState.Example> replay = new ArrayList<>();
        // a task whose replay-buffer was lowered keeps each head's newest examples
        for (int i = Math.max(0, h.getReplayCount() - task.recipe().replayBuffer()); i < h.getReplayCount(); i++) {
            ClassExample x = h.getReplay(i);
            float[] input = UserStateCodec.floats(x.getInputF32Le(), where + " replay example " + i);
            if (input.length != inputWidth
                    || x.getTargetsCount() != outputs
                    || x.getMaskCount() != (multiLabel ? outputs : 0)
                    || !(x.getWeight() > 0f)
                    || !(x.getWeight() <= SampleDecoder.MAX_WEIGHT)) {
                throw new IllegalArgumentException(where + " replay example " + i + " has " + input.length
                        + " inputs, " + x.getTargetsCount() + " targets, " + x.getMaskCount() + " mask entries and"
                        + " weight " + x.getWeight() + "; expected " + inputWidth + ", " + outputs + ", "
                        + (multiLabel ? outputs : 0) + " and a positive weight");
            }
            for (float v : input) {
                if (!(Math.abs(v) <= MAX_INPUT)) {
                    throw new IllegalArgumentException(where + " replay example " + i + " has an input " + v
                            + " that is not finite or out of range");
                }
            }
            float[] targets = new float[outputs];
            boolean[] mask = multiLabel ? new boolean[outputs] : null;
            int ones = 0;
            for (int t = 0; t < outputs; t++) {
                targets[t] = x.getTargets(t);
                if (targets[t] != 0f && targets[t] != 1f) {
                    throw new IllegalArgumentException(
                            where + " replay example " + i + " has target " + targets[t] + "; targets are 0 or 1");
                }
                ones += targets[t] == 1f ? 1 : 0;
                if (mask != null) {
                    mask[t] = x.getMask(t);
                }
            }
            if (!multiLabel && ones != 1) {
                throw new IllegalArgumentException(
                        where + " replay example " + i + " is not one class (" + ones + " targets of 1)");
            }
            replay.add(new ClassHeadState.Example(input, targets, mask, x.getWeight()));
        }
        if (h.getOutputLabeledCount() != outputs
                || h.getOutputCorrectCount() != outputs
                || h.getOutputLossSumCount() != outputs) {
            throw new IllegalArgumentException(where + " has per-output statistics for " + h.getOutputLabeledCount()
                    + " outputs; task '" + task.name() + "' has " + outputs);
        }
        long[] labeled = new long[outputs];
        long[] correct = new long[outputs];
        double[] lossSum = new double[outputs];
        for (int t = 0; t < outputs; t++) {
            labeled[t] = h.getOutputLabeled(t);
            correct[t] = h.getOutputCorrect(t);
            lossSum[t] = h.getOutputLossSum(t);
        }
        if (h.getVersion() < 0 || h.getSamplesApplied() < 0 || h.getSamplesSeen() < 0 || h.getPublishedSamples() < 0) {
            throw new IllegalArgumentException(where + " has a negative version or count");
        }
        return ClassHeadState.restore(new ClassHeadState.Snapshot(
                headId,
                h.getSeed(),
                parameters,
                OptimizerState.restore(o.getSteps(), slot),
                replay,
                h.getVersion(),
                h.getSamplesApplied(),
                h.getSamplesSeen(),
                h.getPublishedSamples(),
                h.getChanged(),
                h.getPartition(),
                h.getFirstOffset(),
                h.getLastOffset(),
                UserStateCodec.sums(h.getStartPrequential()),
                UserStateCodec.sums(h.getAdaptedPrequential()),
                UserStateCodec.sums(h.getStartHoldout()),
                UserStateCodec.sums(h.getAdaptedHoldout()),
                labeled,
                correct,
                lossSum,
                h.getFrozen(),
                h.getLastTrainingLoss(),
                h.getLastPrequentialLoss(),
                h.getPendingReset(),
                h.getPendingResetReason(),
                h.getPendingRollback().isEmpty() ? null : h.getPendingRollback()));
    }
}
