package dev.headstream.cli.evaluate;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.cli.export.HeadExport;
import dev.headstream.client.HeadKeys;
import dev.headstream.client.KafkaConnection;
import dev.headstream.client.TopicReader;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.runtime.onnx.OnnxHeadExporter;
import dev.headstream.runtime.onnx.OnnxHeadImporter;
import dev.headstream.runtime.onnx.SourceHeads;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.onnx.Onnx;
import dev.headstream.schemas.v1.HeadUpdate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Loads the heads an evaluation scores: the source head ({@link #source}) and users' adapted heads,
 * exported to ONNX files ({@link #fromFile}, {@link #fromDirectory}) or the newest committed
 * versions on {@value Topics#HEADS} ({@link #fromKafka}), which go through the same in-memory
 * export as {@code export-head} and are then read back like a file, so the evaluated model is the
 * one {@code export-head} would write.
 *
 * <p>An adapted head's threshold is, in order: the override ({@code --threshold}), the exported
 * {@code headstream.threshold} metadata, or openWakeWord's default 0.5 for a head without
 * metadata (a pre-trained openWakeWord model); {@link EvalHead#thresholdFrom()} says which.
 * Every head must read one 16 x 96 window ({@value #INPUT_DIM} floats).
 *
 * <p>Errors are {@link IllegalArgumentException}s naming the file or head id. Stateless.
 */
public final class HeadLoader {

    /** Inputs of a wake-word head: 16 embeddings of 96 floats. */
    public static final int INPUT_DIM = EvalHead.WINDOW_FRAMES * 96;
    /** openWakeWord's default threshold. */
    public static final float DEFAULT_THRESHOLD = 0.5f;

    private static final String THRESHOLD_KEY = OnnxHeadExporter.KEY_PREFIX + "threshold";
    private static final String BACKBONE_KEY = OnnxHeadExporter.KEY_PREFIX + "backbone_sha256";

    private HeadLoader() {}

    /**
     * The source head from {@code file}, accepting at {@code threshold}.
     *
     * @param thresholdFrom where the threshold came from, for reports
     */
    public static EvalHead source(Path file, float threshold, String thresholdFrom) {
        SourceHead model = importFile(file, "source head");
        return new EvalHead(model.id(), EvalHead.Role.SOURCE, file.toString(), model, threshold, thresholdFrom, "");
    }

    /** An adapted head exported to {@code file}; {@code threshold} overrides its metadata when not null. */
    public static EvalHead fromFile(Path file, Float threshold) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("head file not found: " + file);
        }
        byte[] bytes = readBytes(file);
        String id = file.getFileName().toString().replaceFirst("\\.onnx$", "");
        return adapted(id, file.toString(), bytes, threshold);
    }

    /**
     * Each user's head {@code dir/<user>.onnx}.
     *
     * @throws IllegalArgumentException if the folder or a user's file is missing
     */
    public static Map<String, EvalHead> fromDirectory(Path dir, List<String> users, Float threshold) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--heads directory not found: " + dir);
        }
        Map<String, EvalHead> heads = new LinkedHashMap<>();
        for (String user : users) {
            Path file = dir.resolve(user + ".onnx");
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(
                        "no head for user " + user + " in " + dir + ": " + file + " does not exist");
            }
            heads.put(user, fromFile(file, threshold));
        }
        return heads;
    }

    /**
     * The users that {@code dir} holds heads for: every {@code <user>.onnx}, sorted.
     */
    public static List<String> usersIn(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--heads directory not found: " + dir);
        }
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".onnx") && !n.startsWith("."))
                    .map(n -> n.substring(0, n.length() - ".onnx".length()))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Each user's newest committed head {@code <tenant>/<user>/<task>} on {@value Topics#HEADS},
     * decoded against its source head {@code <modelsDir>/<source_head_id>.onnx} and exported in memory.
     *
     * @throws IllegalArgumentException if a user has no head there, it was erased, or it does not decode
     */
    public static Map<String, EvalHead> fromKafka(
            KafkaConnection kafka,
            String tenant,
            String task,
            List<String> users,
            Path modelsDir,
            Duration timeout,
            Float threshold) {
        Map<String, String> wanted = new LinkedHashMap<>();
        for (String user : users) {
            wanted.put(tenant + "/" + user + "/" + task, user);
        }
        Set<String> known = new TreeSet<>();
        List<ConsumerRecord<byte[], byte[]>> kept = new ArrayList<>();
        TopicReader.forEach(kafka, Topics.HEADS, timeout, true, r -> {
            String key = HeadKeys.key(r);
            if (key == null) {
                return;
            }
            known.add(key);
            if (wanted.containsKey(key)) {
                kept.add(r);
            }
        });
        Map<String, EvalHead> heads = new LinkedHashMap<>();
        Map<String, SourceHeads.Resolved> sources = new HashMap<>();
        for (Map.Entry<String, String> e : wanted.entrySet()) {
            String headId = e.getKey();
            if (!known.contains(headId)) {
                throw new IllegalArgumentException("head " + headId + " not found on " + Topics.HEADS + " ("
                        + known.size() + " head ids there"
                        + (known.isEmpty()
                                ? ""
                                : ", e.g. "
                                        + String.join(
                                                ", ",
                                                known.stream()
                                                        .limit(5)
                                                        .map(HeadKeys::shown)
                                                        .toList()))
                        + ")");
            }
            HeadExport.Found found = HeadExport.find(kept, headId);
            HeadUpdate update = found.update();
            byte[] model = export(update, modelsDir, sources);
            String name = headId + " v" + update.getVersion();
            String origin = Topics.HEADS + " " + headId + " v" + update.getVersion() + " ("
                    + (update.getHeldAtSource()
                            ? "held at the source head"
                            : update.getStatus().name()) + ")"
                    + (found.skipped().isEmpty()
                            ? ""
                            : "; skipped records under its key that are not its head: "
                                    + String.join("; ", found.skipped()));
            heads.put(e.getValue(), adapted(name, origin, model, threshold));
        }
        return heads;
    }

    /**
     * What {@link HeadExport#export} writes for {@code update}, in memory.
     *
     * @param sourceCache source heads already rebuilt, by source head id (filled here)
     */
    public static byte[] export(HeadUpdate update, Path modelsDir, Map<String, SourceHeads.Resolved> sourceCache) {
        if (HeadCodec.isClassSpec(update.getSpec())) {
            throw new IllegalArgumentException("head " + update.getHeadId() + " is a class head ("
                    + update.getSpec().getOutput() + ", outputs "
                    + update.getSpec().getOutputLabelsList()
                    + "): detect and eval score binary wake-word heads; score a class head with ClassHeadScorer"
                    + " (docs/client.md) or export it with export-head");
        }
        refuseHeldFreshStart(update);
        String sourceId = update.getProvenance().getSourceHeadId();
        SourceHeads.Resolved source = sourceCache.computeIfAbsent(sourceId, id -> sourceOf(update, modelsDir));
        HeadCodec.Decoded decoded = HeadCodec.decode(update, source.head());
        return OnnxHeadExporter.export(
                decoded.head(),
                decoded.source(),
                decoded.trainable(),
                OnnxHeadExporter.ModelInterface.of(source.interfaceModel()),
                HeadExport.metadata(update));
    }

    /**
     * Refuses a binary head held at its fresh start ({@code source-head=fresh:<seed>}): its network
     * is the He-random start, which detects nothing yet; the engine keeps it from firing with its
     * threshold (above 1), but an openWakeWord runtime ignores that metadata and would fire at
     * random on the exported model.
     *
     * @throws IllegalArgumentException naming the head, its version and threshold, if it is held at a fresh start
     */
    public static void refuseHeldFreshStart(HeadUpdate update) {
        if (!update.getProvenance().getSourceHeadId().startsWith(SourceHead.FRESH_PREFIX)) {
            return;
        }
        if (update.getHeldAtSource() || update.getThreshold() > 1f) {
            throw new IllegalArgumentException("head " + update.getHeadId() + " v" + update.getVersion()
                    + " is held at its fresh start (" + update.getProvenance().getSourceHeadId()
                    + "): it detects nothing yet (threshold " + update.getThreshold()
                    + "), and an openWakeWord runtime, which ignores the threshold, would fire at random on it;"
                    + " export a later version, once the head is no longer held");
        }
    }

    /**
     * The source head binary head record {@code update} names, rebuilt from {@code modelsDir}
     * ({@link SourceHeads#resolve}: a pre-trained head's file, or a fresh start from its seed and its
     * template file); the record's SHA-256 is checked when it is decoded.
     *
     * @throws IllegalArgumentException naming the head and the file when it cannot be
     */
    public static SourceHeads.Resolved sourceOf(HeadUpdate update, Path modelsDir) {
        return SourceHeads.resolve(update.getProvenance().getSourceHeadId(), modelsDir, update.getHeadId());
    }

    /** An adapted head from ONNX bytes, with its threshold and backbone from the metadata. */
    public static EvalHead adapted(String name, String origin, byte[] bytes, Float threshold) {
        SourceHead model;
        try {
            model = OnnxHeadImporter.importHead(name.replace('/', '_').replace(' ', '_'), bytes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot import head " + origin + ": " + e.getMessage(), e);
        }
        checkInput(model, origin);
        Map<String, String> meta = metadata(bytes);
        float t;
        String from;
        if (threshold != null) {
            t = threshold;
            from = "--threshold";
        } else if (meta.containsKey(THRESHOLD_KEY)) {
            try {
                t = Float.parseFloat(meta.get(THRESHOLD_KEY));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "head " + origin + " has a metadata " + THRESHOLD_KEY + " of '" + meta.get(THRESHOLD_KEY)
                                + "', not a number",
                        e);
            }
            from = "metadata " + THRESHOLD_KEY;
        } else {
            t = DEFAULT_THRESHOLD;
            from = "openWakeWord's default (no " + THRESHOLD_KEY + " metadata)";
        }
        return new EvalHead(name, EvalHead.Role.ADAPTED, origin, model, t, from, meta.getOrDefault(BACKBONE_KEY, ""));
    }

    private static SourceHead importFile(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(what + " not found: " + file);
        }
        SourceHead model;
        try {
            model = OnnxHeadImporter.importHead(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot import " + what + " " + file + ": " + e.getMessage(), e);
        }
        checkInput(model, file.toString());
        return model;
    }

    private static void checkInput(SourceHead model, String origin) {
        if (model.architecture().inputDim() != INPUT_DIM) {
            throw new IllegalArgumentException(
                    "head " + origin + " reads " + model.architecture().inputDim()
                            + " values per window; the wake-word backbone gives 16 x 96 = " + INPUT_DIM);
        }
    }

    /** The model's {@code metadata_props}. */
    public static Map<String, String> metadata(byte[] bytes) {
        Map<String, String> props = new HashMap<>();
        try {
            Onnx.ModelProto.parseFrom(bytes).getMetadataPropsList().forEach(p -> props.put(p.getKey(), p.getValue()));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX model: " + e.getMessage(), e);
        }
        return props;
    }

    private static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
