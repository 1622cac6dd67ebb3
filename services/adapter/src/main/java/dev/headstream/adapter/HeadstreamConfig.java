package dev.headstream.adapter;

import dev.headstream.core.adapt.HeadRecipe;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;
import java.util.Optional;

/** Typed configuration of the adapter, prefix {@code headstream}. */
@ConfigMapping(prefix = "headstream")
public interface HeadstreamConfig {

    /** Folder with the verified openWakeWord models (see src/build/fetch-models.sh). */
    @WithDefault(".models")
    String modelsDir();

    /** Stable id of this instance; part of the transactional id. */
    @WithDefault("local")
    String instanceId();

    /** Largest accepted sample record value, bytes (checked before parsing). */
    @WithDefault("1048576")
    int maxSampleBytes();

    /** Recent sample ids remembered per user to drop producer retries. */
    @WithDefault("4096")
    int dedupWindow();

    /**
     * Exit with code 3 when a batch's transaction has not finished committing or aborting this
     * many seconds after its work was done (a producer stuck after a refused commit, seen when an
     * instance frozen past its session resumes); the supervisor's restart resumes from the
     * committed offsets and state. Longer than the broker's transaction timeout (60 s).
     */
    @WithDefault("120")
    int transactionStuckExitSeconds();

    /** Publish a head version once this many training samples were applied since the last one (1 = every batch). */
    @WithDefault("1")
    int publishEvery();

    BackboneConfig backbone();

    /** The negative bank every task trains and calibrates against (see NegativeBank). */
    NegativeBankConfig negativeBank();

    interface NegativeBankConfig {
        /**
         * Train against the bank and set thresholds in false accepts per hour on it. Without it, heads
         * see only the reference set and users' own negatives, and fire far more often on other
         * people's speech.
         */
        @WithDefault("true")
        boolean enabled();

        /** The bank's directory; default {@code <models-dir>/negative-bank} (built by ./headstream setup). */
        Optional<String> directory();
    }

    /** Online rehearsal from users' own training negatives (off by default; the reference set is per task). */
    OnlineRehearsalConfig onlineRehearsal();

    interface OnlineRehearsalConfig {
        /** Training negatives kept per task and samples partition; 0 = off. */
        @WithDefault("0")
        int capacity();

        /** Tenants whose samples must not be shared with other users: they neither fill nor use the reservoir. */
        Optional<java.util.Set<String>> excludedTenants();
    }

    /** Fault injection, for the crash tests only (off by default). */
    FaultConfig fault();

    interface FaultConfig {
        /**
         * Halt the JVM (exit code 137, no shutdown hooks) inside the transaction of the batch that
         * holds a samples record with this offset, after its output records had 2 s to reach the
         * broker: a crash between send and commit. -1 = never.
         */
        @WithDefault("-1")
        long haltInTransactionAtOffset();

        /**
         * Wait this many seconds inside the transaction of the batch that holds a samples record
         * with offset {@link #pauseInTransactionAtOffset()} (logged first), e.g. for a test to stop
         * the process there and make it a zombie. -1 = never.
         */
        @WithDefault("-1")
        long pauseInTransactionAtOffset();

        @WithDefault("20")
        int pauseSeconds();

        /**
         * Hold each partition assignment's restore this many seconds (logged) while its partitions
         * count as restoring, so a test can watch readiness stay DOWN until the state is
         * installed. 0 = never.
         */
        @WithDefault("0")
        int restoreDelaySeconds();
    }

    /** Per-user rate limit on applied samples, over the records' Kafka timestamps (off by default). */
    RateLimitConfig rateLimit();

    interface RateLimitConfig {
        /** Samples per minute a user's bucket refills; 0 = no limit. */
        @WithDefault("0")
        double samplesPerMinute();

        /** Samples a user may send back to back (the bucket's size). */
        @WithDefault("60")
        double burst();
    }

    /** Tasks by name; each is one head per user. */
    Map<String, TaskConfig> tasks();

    /** Which frozen backbone embeds the samples. */
    enum BackboneKind {
        /** openWakeWord's melspectrogram + embedding models (PCM16 audio samples). */
        WAKEWORD,
        /** Any single ONNX model with one float input and output (float-tensor samples). */
        ONNX
    }

    interface BackboneConfig {
        @WithDefault("wakeword")
        BackboneKind kind();

        /** For kind=onnx: the model file inside models-dir. */
        Optional<String> model();

        /** ONNX Runtime intra-op threads per run (0 = runtime default). */
        @WithDefault("1")
        int threads();

        /** Try the CUDA execution provider (needs the GPU build of ONNX Runtime); falls back to CPU. */
        @WithDefault("false")
        boolean cuda();

        @WithDefault("0")
        int cudaDevice();

        /** Longest accepted clip, seconds. */
        @WithDefault("10")
        double maxSeconds();
    }

    interface TaskConfig {
        /** Source head ONNX file name inside models-dir, e.g. hey_jarvis_v0.1.onnx. */
        String sourceHead();

        /** Parameterised layers from the top that are trained per user (the rest stay frozen and shared). */
        @WithDefault("5")
        int trainableTopLayers();

        /** {@code adam} or {@code sgd} (momentum 0.9). */
        @WithDefault("adam")
        HeadRecipe.OptimizerKind optimizer();

        @WithDefault("0.001")
        float learningRate();

        /** L2-SP strength toward the source weights. */
        @WithDefault("0.01")
        float l2sp();

        @WithDefault("10")
        float maxGradientNorm();

        /** Optimizer steps per arriving training sample. */
        @WithDefault("40")
        int replaySteps();

        /** Recent clips kept per user for replay. */
        @WithDefault("32")
        int replayBuffer();

        /** Windows of the user's own clips per step (the newest clip always among them). */
        @WithDefault("4")
        int userWindowsPerStep();

        /** Rehearsal negative windows (other speakers) per step. */
        @WithDefault("8")
        int rehearsalPerStep();

        /** Embedding frames one head window reads. */
        @WithDefault("16")
        int windowFrames();

        /** Where the threshold sits between the highest negative and the lowest positive logit (0..1). */
        @WithDefault("0.75")
        float thresholdPosition();

        /**
         * Rank of per-user low-rank (LoRA) deltas on every Dense layer instead of training full layers;
         * 0 = off (train the top {@code trainable-top-layers} layers in full).
         */
        @WithDefault("4")
        int loraRank();

        /** Train on randomly time-shifted windows of each clip. */
        @WithDefault("true")
        boolean timeShift();

        /** 0: constant L2-SP; n > 0: L2-SP weakens to l2sp * n / (n + samples applied). */
        @WithDefault("8")
        int l2spHalfLife();

        /** Output consistency to the source head, 0..1 (0 = off). */
        @WithDefault("0")
        float distillation();

        /** Temperature that softens the source head's output for distillation. */
        @WithDefault("1")
        float distillationTemperature();

        /** Negative clips train on the highest-scoring of this many random windows (1 = a random window). */
        @WithDefault("1")
        int hardNegativeWindows();

        /** Per-user update-rate cap: largest L2 change of a user's vector per arriving sample (0 = off). */
        @WithDefault("0")
        float maxUpdateNorm();

        /**
         * What a head does when its negative-transfer test alarms: publish-only, rollback (to the
         * source head), freeze (rollback and stop training), stronger-l2sp (rollback, L2-SP x10),
         * rollback-last-good (to the newest version published while both tests were quiet),
         * freeze-last-good (that, then stop training) or probation (rollback, keep training, publish
         * the source head until 16 samples pass without an alarm; each alarm on probation doubles it).
         * The default is BinaryHeadTask.DEFAULT_ALARM_ACTION (replay assumes the same unless told otherwise).
         */
        @WithDefault("probation")
        dev.headstream.core.adapt.BinaryHeadTask.AlarmAction onNegativeTransfer();

        /**
         * False accepts per hour the per-user threshold allows: on the negative bank's calibration
         * part, scored every 80 ms with a 2 s refractory period as a detector runs (without a bank, on
         * the calibration clips); 0 = none at all.
         */
        @WithDefault("0.5")
        double targetFalseAcceptsPerHour();

        /** Negative-bank windows per optimizer step (0 = train without the bank, still calibrate on it). */
        @WithDefault("8")
        int bankPerStep();

        /** Share of those drawn from the user's hard pool (the windows its head scores highest). */
        @WithDefault("0.5")
        float bankHardShare();

        /** Random bank windows scored per arriving training sample to refresh the hard pool. */
        @WithDefault("512")
        int bankCandidates();

        /** Windows in a user's hard pool. */
        @WithDefault("64")
        int bankPool();

        /**
         * Lowest recall on the user's own training positives, at the calibrated threshold, at which
         * an adapted head is published; below it, or below the source head's recall, the user
         * keeps the source head (the metrics say why).
         */
        @WithDefault("0.5")
        float minRecall();

        /** Length-delimited headstream.v1.Sample file of other speakers' negatives (operator reference set). */
        Optional<String> rehearsalSet();
    }
}
