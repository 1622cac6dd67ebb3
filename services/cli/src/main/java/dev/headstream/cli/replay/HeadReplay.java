package dev.headstream.cli.replay;

import dev.headstream.cli.produce.TopicReader;
import dev.headstream.core.adapt.AdaptationEngine;
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
     * @param rehearsalSet the adapter's reference set file, or null if it ran without one
     * @param recipe       the adapter's recipe for {@code task}
     */
    public static Result run(String bootstrap, Path modelsDir, String sourceHeadFile, Path rehearsalSet, String task,
            HeadRecipe recipe, int maxSampleBytes, Duration timeout) {
        return run(bootstrap, modelsDir, sourceHeadFile, rehearsalSet, task, recipe, maxSampleBytes, timeout,
                AdaptationEngine.OnlineRehearsal.OFF);
    }

    /** {@link #run} for an adapter that ran with online rehearsal {@code online}. */
    public static Result run(String bootstrap, Path modelsDir, String sourceHeadFile, Path rehearsalSet, String task,
            HeadRecipe recipe, int maxSampleBytes, Duration timeout, AdaptationEngine.OnlineRehearsal online) {
        return run(bootstrap, modelsDir, sourceHeadFile, rehearsalSet, task, recipe, maxSampleBytes, timeout, online,
                RateLimit.OFF);
    }

    /** {@link #run} for an adapter that ran with online rehearsal {@code online} and rate limit {@code rateLimit}. */
    public static Result run(String bootstrap, Path modelsDir, String sourceHeadFile, Path rehearsalSet, String task,
            HeadRecipe recipe, int maxSampleBytes, Duration timeout, AdaptationEngine.OnlineRehearsal online,
            RateLimit rateLimit) {
        return run(bootstrap, modelsDir, sourceHeadFile, rehearsalSet, task, recipe, maxSampleBytes, timeout, online,
                rateLimit, BinaryHeadTask.DEFAULT_ALARM_ACTION);
    }

    /** {@link #run} for an adapter whose task acts on negative transfer with {@code onAlarm}. */
    public static Result run(String bootstrap, Path modelsDir, String sourceHeadFile, Path rehearsalSet, String task,
            HeadRecipe recipe, int maxSampleBytes, Duration timeout, AdaptationEngine.OnlineRehearsal online,
            RateLimit rateLimit, BinaryHeadTask.AlarmAction onAlarm) {
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
            RehearsalSet rehearsal = rehearsalSet == null ? RehearsalSet.empty()
                    : RehearsalSet.fromSampleFile(backbone, rehearsalSet, RehearsalSet.CALIBRATION_EVERY);
            BinaryHeadTask t = new BinaryHeadTask(task, source, recipe, rehearsal, onAlarm);
            AdaptationEngine engine = new AdaptationEngine(backbone,
                    new SampleDecoder(maxSampleBytes, backbone, Map.of(task, TaskKind.binary())), Map.of(task, t), 4096, 1,
                    online, rateLimit);
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
        if (Float.floatToRawIntBits(h.getThreshold()) != Float.floatToRawIntBits(s.threshold())) {
            return "threshold " + h.getThreshold() + " published vs " + s.threshold() + " replayed";
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
