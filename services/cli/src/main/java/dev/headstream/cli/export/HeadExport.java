package dev.headstream.cli.export;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.runtime.onnx.OnnxHeadExporter;
import dev.headstream.runtime.onnx.OnnxHeadImporter;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Provenance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Finds the newest published version of a head and writes it as a standalone ONNX model with its
 * source head's interface. Stateless.
 */
public final class HeadExport {

    /** What was written. */
    public record Exported(Path file, String headId, long version, float threshold, String status, String note) {}

    private HeadExport() {}

    /**
     * The newest {@link HeadUpdate} for {@code headId} (the record key) among records of
     * {@value Topics#HEADS}, as read in offset order per partition.
     *
     * @throws IllegalArgumentException if no record has that key, the newest record is a tombstone
     *                                  (the head was erased) or it cannot be parsed
     */
    public static HeadUpdate newest(List<ConsumerRecord<byte[], byte[]>> records, String headId) {
        ConsumerRecord<byte[], byte[]> newest = null;
        HeadUpdate newestUpdate = null;
        ConsumerRecord<byte[], byte[]> tombstone = null;
        TreeSet<String> known = new TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
            known.add(key);
            if (!key.equals(headId)) {
                continue;
            }
            if (r.value() == null) {
                if (tombstone == null || later(r, tombstone)) {
                    tombstone = r;
                }
                continue;
            }
            HeadUpdate u;
            try {
                u = HeadUpdate.parseFrom(r.value());
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalArgumentException(
                        "head " + headId + " at " + r.topic() + "-" + r.partition() + "@" + r.offset()
                                + " is not a HeadUpdate: " + e.getMessage(),
                        e);
            }
            if (newestUpdate == null
                    || u.getVersion() > newestUpdate.getVersion()
                    || (u.getVersion() == newestUpdate.getVersion() && later(r, newest))) {
                newest = r;
                newestUpdate = u;
            }
        }
        if (tombstone != null && (newest == null || later(tombstone, newest))) {
            throw new IllegalArgumentException("head " + headId + " was erased (tombstone at " + tombstone.topic() + "-"
                    + tombstone.partition() + "@" + tombstone.offset() + ")");
        }
        if (newestUpdate == null) {
            throw new IllegalArgumentException("head " + headId + " not found on " + Topics.HEADS + " ("
                    + known.size() + " head ids there"
                    + (known.isEmpty()
                            ? ""
                            : ", e.g. "
                                    + String.join(", ", known.stream().limit(5).toList())) + ")");
        }
        return newestUpdate;
    }

    /**
     * Decodes {@code update} against its source head {@code <modelsDir>/<source_head_id>.onnx} and
     * writes it to {@code out} (creating parent folders).
     *
     * @throws IllegalArgumentException if the source model is missing, or the update does not
     *                                  decode against it (another source SHA-256, another spec)
     */
    public static Exported export(HeadUpdate update, Path modelsDir, Path out) throws IOException {
        String sourceId = update.getProvenance().getSourceHeadId();
        Path sourceFile = modelsDir.resolve(sourceId + ".onnx");
        if (sourceId.isEmpty() || !Files.isRegularFile(sourceFile)) {
            throw new IllegalArgumentException("source head model for " + update.getHeadId() + " not found: "
                    + sourceFile + " (set --models-dir)");
        }
        byte[] sourceBytes = Files.readAllBytes(sourceFile);
        SourceHead source = OnnxHeadImporter.importHead(sourceId, sourceBytes);
        HeadCodec.Decoded decoded = HeadCodec.decode(update, source);
        byte[] model = OnnxHeadExporter.export(
                decoded.head(),
                decoded.source(),
                decoded.trainable(),
                OnnxHeadExporter.ModelInterface.of(sourceBytes),
                metadata(update));
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(out, model);
        return new Exported(
                out,
                update.getHeadId(),
                update.getVersion(),
                decoded.threshold(),
                update.getStatus().name(),
                note(update));
    }

    /**
     * What a user should know beyond the status: that the version is the source head held back (and
     * why), or the status reason; empty when there is nothing to say.
     */
    public static String note(HeadUpdate u) {
        if (u.getHeldAtSource()) {
            return "HELD AT THE SOURCE HEAD: " + u.getStatusReason();
        }
        return u.getStatusReason();
    }

    /** The exported model's provenance: the fixed fields plus the update's spec, status and sample coordinates. */
    public static OnnxHeadExporter.Metadata metadata(HeadUpdate u) {
        Provenance p = u.getProvenance();
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("status", u.getStatus().name());
        extra.put("trainable_top_layers", Integer.toString(u.getSpec().getTrainableTopLayers()));
        extra.put("seed", Long.toString(p.getSeed()));
        extra.put("samples_applied", Long.toString(p.getSamplesApplied()));
        extra.put("source_partition", Integer.toString(p.getSourcePartition()));
        extra.put("first_offset", Long.toString(p.getFirstOffset()));
        extra.put("last_offset", Long.toString(p.getLastOffset()));
        extra.put("engine", p.getEngine());
        extra.put("created_time_ms", Long.toString(u.getCreatedTimeMs()));
        extra.put("held_at_source", Boolean.toString(u.getHeldAtSource()));
        if (!u.getStatusReason().isEmpty()) {
            extra.put("status_reason", u.getStatusReason());
        }
        if (!p.getNegativeBankSha256().isEmpty()) {
            extra.put("negative_bank_sha256", p.getNegativeBankSha256());
        }
        return new OnnxHeadExporter.Metadata(
                u.getHeadId(),
                u.getVersion(),
                p.getSourceHeadId(),
                p.getSourceHeadSha256(),
                p.getBackboneSha256(),
                u.getThreshold(),
                extra);
    }

    private static boolean later(ConsumerRecord<?, ?> a, ConsumerRecord<?, ?> b) {
        return a.partition() == b.partition() ? a.offset() > b.offset() : a.timestamp() > b.timestamp();
    }
}
