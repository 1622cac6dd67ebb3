package dev.headstream.cli.replay;

import dev.headstream.cli.produce.TopicReader;
import dev.headstream.core.adapt.AdaptationEngine;
import dev.headstream.core.adapt.BankNegatives;
import dev.headstream.core.adapt.BankTraining;
import dev.headstream.core.adapt.BinaryHeadTask;
import dev.headstream.core.adapt.HeadRecipe;
import dev.headstream.core.adapt.HeadState;
import dev.headstream.core.adapt.RateLimit;
import dev.headstream.core.adapt.RawSample;
import dev.headstream.core.adapt.RehearsalSet;
import dev.headstream.core.adapt.TaskKind;
import dev.headstream.core.adapt.UserKey;
import dev.headstream.core.adapt.UserState;
import dev.headstream.core.backbone.ExecutionOptions;
import dev.headstream.core.backbone.ModelFile;
import dev.headstream.core.backbone.WakeWordBackbone;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.onnx.OnnxHeadImporter;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.core.wire.SampleDecoder;
import dev.headstream.core.wire.Topics;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Rebuilds every head from the samples topic with the same code and configuration as the
 * adapter, and compares the result bit for bit with the newest published version of each head:
 * trainable tensors, threshold and sample count. Batch boundaries do not matter (a user's head
 * depends only on the order of that user's samples, which a partition keeps).
 *
 * <p>Control commands are not replayed: where they fall between a user's samples depends on the
 * adapter's batches. An erased head (tombstone) is not compared, and a head with an operator
 * reset or rollback in its published history is listed as not compared instead of as a
 * difference. A frozen head leaves no mark on the heads topic, so replaying it reports a
 * difference.
 */
public final class HeadReplay {

    /** What a replay found. */
    public record Result(int heads, int identical, List<String> differences, List<String> notCompared) {
    }

    private HeadReplay() {
    }

    /**
     * How the adapter whose heads are checked ran: what the replay must set up the same way.
     *
     * @param modelsDir      verified models
     * @param sourceHeadFile the task's source head file in {@code modelsDir}
     * @param task           the task name
     * @param recipe         the task's recipe
     * @param rehearsalSet   the task's reference set file, or null
     * @param bankDir        the negative bank directory, or null when the adapter ran without one
     * @param targetFalseAcceptsPerHour the task's {@code target-false-accepts-per-hour}
     * @param bankTraining   the task's bank settings
     * @param maxSampleBytes the adapter's {@code max-sample-bytes}
     * @param online         the adapter's online rehearsal
     * @param rateLimit      the adapter's rate limit
     * @param onAlarm        the task's negative-transfer action
     */
    public record Config(Path modelsDir, String sourceHeadFile, String task, HeadRecipe recipe, Path rehearsalSet,
            Path bankDir, double targetFalseAcceptsPerHour, BankTraining bankTraining, int maxSampleBytes,
            AdaptationEngine.OnlineRehearsal online, RateLimit rateLimit, BinaryHeadTask.AlarmAction onAlarm) {

        /** The adapter's defaults: hey_jarvis, task {@code wake}, the default recipe, the bank in {@code <models>/negative-bank}. */
        public static Config defaults(Path modelsDir) {
            return new Config(modelsDir, "hey_jarvis_v0.1.onnx", "wake", HeadRecipe.wakeWordDefault(), null,
                    modelsDir.resolve("negative-bank"), 0.5, BankTraining.defaults(), 1 << 20,
                    AdaptationEngine.OnlineRehearsal.OFF, RateLimit.OFF, BinaryHeadTask.DEFAULT_ALARM_ACTION);
        }

        public Config withTask(String name, String sourceHead) {
            return new Config(modelsDir, sourceHead, name, recipe, rehearsalSet, bankDir, targetFalseAcceptsPerHour,
                    bankTraining, maxSampleBytes, online, rateLimit, onAlarm);
        }

        public Config withRecipe(HeadRecipe r) {
            return new Config(modelsDir, sourceHeadFile, task, r, rehearsalSet, bankDir, targetFalseAcceptsPerHour,
                    bankTraining, maxSampleBytes, online, rateLimit, onAlarm);
        }

        public Config withRehearsalSet(Path file) {
            return new Config(modelsDir, sourceHeadFile, task, recipe, file, bankDir, targetFalseAcceptsPerHour,
                    bankTraining, maxSampleBytes, online, rateLimit, onAlarm);
        }

        /** The bank in {@code dir}; null for an adapter that ran without one. */
        public Config withBank(Path dir) {
            return new Config(modelsDir, sourceHeadFile, task, recipe, rehearsalSet, dir, targetFalseAcceptsPerHour,
                    bankTraining, maxSampleBytes, online, rateLimit, onAlarm);
        }

        public Config withTarget(double perHour) {
            return new Config(modelsDir, sourceHeadFile, task, recipe, rehearsalSet, bankDir, perHour, bankTraining,
                    maxSampleBytes, online, rateLimit, onAlarm);
        }

        public Config withMaxSampleBytes(int bytes) {
            return new Config(modelsDir, sourceHeadFile, task, recipe, rehearsalSet, bankDir, targetFalseAcceptsPerHour,
                    bankTraining, bytes, online, rateLimit, onAlarm);
        }

        public Config withOnline(AdaptationEngine.OnlineRehearsal o) {
            return new Config(modelsDir, sourceHeadFile, task, recipe, rehearsalSet, bankDir, targetFalseAcceptsPerHour,
                    bankTraining, maxSampleBytes, o, rateLimit, onAlarm);
        }

        public Config withRateLimit(RateLimit r) {
            return new Config(modelsDir, sourceHeadFile, task, recipe, rehearsalSet, bankDir, targetFalseAcceptsPerHour,
                    bankTraining, maxSampleBytes, online, r, onAlarm);
        }

        public Config withOnAlarm(BinaryHeadTask.AlarmAction a) {
            return new Config(modelsDir, sourceHeadFile, task, recipe, rehearsalSet, bankDir, targetFalseAcceptsPerHour,
                    bankTraining, maxSampleBytes, online, rateLimit, a);
        }
    }

    /** Rebuilds every head from {@link Topics#SAMPLES} as the adapter described by {@code config} would, and compares. */
    public static Result run(String bootstrap, Config config, Duration timeout) {
        Path modelsDir = config.modelsDir();
        String sourceHeadFile = config.sourceHeadFile();
        String task = config.task();
        HeadRecipe recipe = config.recipe();
        SourceHead source;
        try {
            source = OnnxHeadImporter.importHead(modelsDir.resolve(sourceHeadFile));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read source head " + sourceHeadFile, e);
        }
        Map<String, HeadUpdate> published = new TreeMap<>();
        Map<String, String> operated = new TreeMap<>();
        // one head id's records share a partition, so they arrive in the order they were written;
        // streamed, not held: a long run's heads topic holds thousands of 0.85 MB versions
        TopicReader.forEach(bootstrap, Topics.HEADS, timeout, true, r -> {
            if (r.value() == null) {
                String erased = new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
                published.remove(erased);
                operated.remove(erased);
                return;
            }
            HeadUpdate h = parse(r.value());
            HeadUpdate old = published.get(h.getHeadId());
            if (old == null || h.getVersion() > old.getVersion()) {
                published.put(h.getHeadId(), h);
            }
            if (h.getStatus() == HeadStatus.HEAD_STATUS_RESET || h.getStatusReason().startsWith("operator ")) {
                operated.put(h.getHeadId(), "version " + h.getVersion() + " " + h.getStatusReason());
            }
        });
        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> byPartition = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(bootstrap, Topics.SAMPLES, timeout)) {
            byPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r);
        }
        try (WakeWordBackbone backbone = new WakeWordBackbone(ModelFile.read(modelsDir.resolve("melspectrogram.onnx")),
                ModelFile.read(modelsDir.resolve("embedding_model.onnx")), ExecutionOptions.cpu(1),
                WakeWordBackbone.EmbeddingMode.SEQUENCE, 10)) {
            RehearsalSet rehearsal = config.rehearsalSet() == null ? RehearsalSet.empty()
                    : RehearsalSet.fromSampleFile(backbone, config.rehearsalSet(), RehearsalSet.CALIBRATION_EVERY);
            BankNegatives bank = config.bankDir() == null ? null : BinaryHeadTask.prepareBank(
                    NegativeBank.open(config.bankDir()).checkBackbone(backbone.info().sha256()), source, recipe);
            BinaryHeadTask t = new BinaryHeadTask(task, source, recipe, rehearsal, config.onAlarm(),
                    config.targetFalseAcceptsPerHour(), bank, config.bankTraining());
            AdaptationEngine engine = new AdaptationEngine(backbone,
                    new SampleDecoder(config.maxSampleBytes(), backbone, Map.of(task, TaskKind.binary())), Map.of(task, t),
                    4096, 1, config.online(), config.rateLimit());
            for (List<ConsumerRecord<byte[], byte[]>> records : byPartition.values()) {
                records.sort(Comparator.comparingLong(ConsumerRecord::offset));
                for (int i = 0; i < records.size(); i += 64) {
                    List<RawSample> batch = records.subList(i, Math.min(records.size(), i + 64)).stream()
                            .map(r -> new RawSample(r.partition(), r.offset(), r.key(), r.value(), r.timestamp()))
                            .toList();
                    engine.commit(engine.process(batch, 0L));
                }
            }
            List<String> differences = new ArrayList<>();
            List<String> notCompared = new ArrayList<>();
            int identical = 0;
            for (HeadUpdate h : published.values()) {
                if (operated.containsKey(h.getHeadId())) {
                    notCompared.add(h.getHeadId() + ": operator command (" + operated.get(h.getHeadId()) + ")");
                    continue;
                }
                UserState user = engine.user(new UserKey(h.getTenant(), h.getUser()));
                HeadState s = user == null ? null : user.heads().get(h.getTask());
                if (s == null) {
                    differences.add(h.getHeadId() + ": published but not rebuilt by the replay");
                    continue;
                }
                String diff = compare(h, s, t);
                if (diff == null) {
                    identical++;
                } else {
                    differences.add(h.getHeadId() + ": " + diff);
                }
            }
            return new Result(published.size(), identical, differences, notCompared);
        }
    }

    private static String compare(HeadUpdate h, HeadState s, BinaryHeadTask t) {
        if (h.getProvenance().getSamplesApplied() != s.samplesApplied()) {
            return "samples applied " + h.getProvenance().getSamplesApplied() + " published vs " + s.samplesApplied()
                    + " replayed";
        }
        if (Float.floatToRawIntBits(h.getThreshold()) != Float.floatToRawIntBits(t.publishedThreshold(s))) {
            return "threshold " + h.getThreshold() + " published vs " + t.publishedThreshold(s) + " replayed";
        }
        if (h.getHeldAtSource() != s.heldAtSource()) {
            return "held at source " + h.getHeldAtSource() + " published vs " + s.heldAtSource() + " replayed";
        }
        if (!HeadCodec.tensors(t.head(), t.publishedTrainable(s)).equals(h.getTrainableList())) {
            return "trainable tensors differ";
        }
        return null;
    }

    private static HeadUpdate parse(byte[] value) {
        try {
            return HeadUpdate.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("unreadable record on " + Topics.HEADS + ": " + e.getMessage(), e);
        }
    }
}
