package dev.headstream.core.adapt.task;

import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.monitor.Adwin;
import dev.headstream.core.monitor.DriftMonitor;
import dev.headstream.core.monitor.MmdDriftDetector;
import dev.headstream.core.monitor.MmdReference;
import dev.headstream.core.monitor.MmdWorkspace;
import dev.headstream.core.monitor.NegativeTransferMonitor;
import dev.headstream.core.monitor.NullModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The tests every head of a binary task runs on its training samples, calibrated once when the
 * class loads: negative transfer (loss gap and loss rise), drift of the user's audio, similarity
 * to the task's source domain, and a rise of the adapted head's error. One instance per task: it
 * builds each head's monitors and feeds them a sample's clip mean and losses.
 *
 * <p>Not thread-safe (scratch buffers): one per task instance, like the task.
 */
public final class HeadMonitors {

    /**
     * How a clean user's adapted head loses on its own training stream, scored before training
     * (prequential log loss, clipped to 4): a miss (loss above 1 nat) with probability 0.043,
     * its loss then uniform in [1.8, 4] (mean 2.9); otherwise exponential with mean 0.057. Fitted to
     * clean users' first-pass losses of a population other than the one bench-transfer reports on
     * (docs/transfer).
     */
    public static final NullModel CLEAN_PREQUENTIAL_LOSS =
            rnd -> rnd.nextDouble() < 0.043 ? 1.8 + 2.2 * rnd.nextDouble() : -0.057 * Math.log(1 - rnd.nextDouble());

    /**
     * The negative-transfer tests every head runs, each calibrated (Monte-Carlo, seeded) to at
     * least 2 x 1,000 samples between false alarms on its null:
     * <ul>
     *   <li>the prequential loss gap (adapted minus source, clipped to +-4): a one-sided CUSUM
     *   with drift allowance 0.5 on a N(0, 1) null, an assumed scale;</li>
     *   <li>the loss rise: Page-Hinkley with allowance 0.5 nats on the adapted head's own loss
     *   (clipped to 4, at least 8 samples since reset) on {@link #CLEAN_PREQUENTIAL_LOSS}.</li>
     * </ul>
     * An alarm of either is published; {@link AlarmAction} says what else happens.
     */
    public static final NegativeTransferMonitor.Config NEGATIVE_TRANSFER = new NegativeTransferMonitor.Config(
                    0.5,
                    NegativeTransferMonitor.calibrate(0.5, 4.0, NullModel.gaussian(0, 1), 1_000, 2.0, 17L)
                            .threshold(),
                    4.0,
                    50)
            .withLossRise(
                    NegativeTransferMonitor.LossRise.calibrate(0.5, 4.0, 8, CLEAN_PREQUENTIAL_LOSS, 1_000, 2.0, 19L));

    /**
     * The drift test every head runs on its training samples' clip-mean embeddings: the first 16
     * form the user's reference, then MMD^2 between the last 8 and the reference with a
     * 999-permutation test at alpha 0.001 on every sample (at most one false alarm per 1,000
     * samples in expectation). It alarms for a change of the user's audio domain (room,
     * microphone, language), which the loss tests miss while the head keeps fitting the new data.
     */
    public static final DriftMonitor.Config DRIFT = new DriftMonitor.Config(
            16, new MmdDriftDetector.Config(8, 1, 999, MmdDriftDetector.alphaFor(1, 1_000), 0x5D1F7L));

    /**
     * Most rehearsal clips whose clip means form the source reference of the domain-similarity test;
     * without a reference set, as many clip-length stretches spread evenly over the bank's training part.
     */
    public static final int DOMAIN_REFERENCE_CLIPS = 64;

    /**
     * ADWIN's confidence on the adapted head's error stream: at most {@code delta} false cuts per
     * check, one check per 32 samples, so at most one false cut per 16,000 samples on a stationary
     * stream (Bifet and Gavalda's bound; a rise alarm needs the cut to go upwards as well).
     */
    public static final double ADWIN_DELTA = 0.002;
    /** ADWIN's bucket rows: windows up to 5 * (2^10 - 1) = 5,115 samples, 1,096 bytes of state. */
    public static final int ADWIN_ROWS = 10;

    /** Embedding dimension (input floats / window frames) and the drift test's scratch. */
    private final int embeddingDim;

    private final float[] clipMean;
    private final MmdWorkspace driftWorkspace;
    /** Clip means of the rehearsal set (the source domain), or null with fewer than 2 clips; and its test's scratch. */
    private final MmdReference domainReference;

    private final MmdWorkspace domainWorkspace;

    /**
     * Monitors for heads over embeddings of {@code embeddingDim} floats, the domain-similarity test's
     * reference from {@code rehearsal} (training clips, then calibration clips), or from
     * {@code bank}'s training part when the rehearsal set has fewer than two clips.
     *
     * @param bank         the task's prepared negative bank, or null
     * @param windowFrames frames a head window reads (bank reference stretches are 6 frames longer)
     */
    HeadMonitors(int embeddingDim, RehearsalSet rehearsal, BankNegatives bank, int windowFrames) {
        this.embeddingDim = embeddingDim;
        this.clipMean = new float[embeddingDim];
        this.driftWorkspace = DriftMonitor.workspace(DRIFT);
        List<EmbeddingSequence> clips = new ArrayList<>(rehearsal.train());
        clips.addAll(rehearsal.calibration());
        if (clips.size() < 2 && bank != null) {
            clips = bank.referenceClips(DOMAIN_REFERENCE_CLIPS, windowFrames + 6);
        }
        int m = Math.min(DOMAIN_REFERENCE_CLIPS, clips.size());
        if (m >= 2) {
            float[] means = new float[m * embeddingDim];
            float[] one = new float[embeddingDim];
            for (int i = 0; i < m; i++) {
                clipMean(clips.get(i), one);
                System.arraycopy(one, 0, means, i * embeddingDim, embeddingDim);
            }
            this.domainReference = MmdReference.withMedianOrUnitBandwidth(means, embeddingDim);
            this.domainWorkspace = new MmdWorkspace(
                    m, DRIFT.detector().window(), DRIFT.detector().permutations());
        } else {
            this.domainReference = null;
            this.domainWorkspace = null;
        }
    }

    /** A fresh negative-transfer test ({@link #NEGATIVE_TRANSFER}). */
    public NegativeTransferMonitor newNegativeTransfer() {
        return new NegativeTransferMonitor(NEGATIVE_TRANSFER);
    }

    /** A drift monitor for a head with per-head {@code seed}, over this task's embedding dimension. */
    public DriftMonitor newDriftMonitor(long seed) {
        return new DriftMonitor(DRIFT, embeddingDim, seed);
    }

    /** A domain-similarity test for a head with per-head {@code seed}, or null when the task has no reference set. */
    public MmdDriftDetector newDomainTest(long seed) {
        if (domainReference == null) {
            return null;
        }
        MmdDriftDetector.Config d = DRIFT.detector();
        return new MmdDriftDetector(
                domainReference,
                new MmdDriftDetector.Config(d.window(), 1, d.permutations(), d.alpha(), d.seed() ^ seed ^ 0xD0A1L));
    }

    /** A fresh ADWIN for a head's error stream. */
    public Adwin newErrorAdwin() {
        return new Adwin(ADWIN_DELTA, ADWIN_ROWS);
    }

    /**
     * Feeds one training sample to {@code s}'s monitors: the mean of {@code e} to the drift and
     * domain tests, the two heads' log losses to the negative-transfer test, the adapted head's
     * error (0 or 1) to ADWIN.
     *
     * @return whether the negative-transfer test alarms
     */
    boolean observe(HeadState s, EmbeddingSequence e, double adaptedLoss, double sourceLoss, double adaptedError) {
        clipMean(e, clipMean);
        return s.monitorTrainingSample(
                clipMean, driftWorkspace, domainWorkspace, adaptedLoss, sourceLoss, adaptedError);
    }

    /** The mean over frames of {@code e}, into {@code dst} (length {@code e.dim()}). */
    static void clipMean(EmbeddingSequence e, float[] dst) {
        float[] v = e.values();
        int dim = e.dim();
        for (int d = 0; d < dim; d++) {
            double sum = 0;
            for (int f = 0; f < e.frames(); f++) {
                sum += v[f * dim + d];
            }
            dst[d] = (float) (sum / e.frames());
        }
    }
}
