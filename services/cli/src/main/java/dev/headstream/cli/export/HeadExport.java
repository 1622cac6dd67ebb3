package dev.headstream.cli.export;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.cli.evaluate.HeadLoader;
import dev.headstream.client.HeadKeys;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.runtime.onnx.OnnxHeadExporter;
import dev.headstream.runtime.onnx.SourceHeads;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Provenance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Finds the newest published version of a head and writes it as a standalone ONNX model: a binary
 * (wake-word) head with its source head's interface, a class head (multi-class or multi-label)
 * with a pooled-input interface ({@link OnnxHeadExporter#exportClass}). Stateless.
 */
public final class HeadExport {

    /**
     * What was written.
     *
     * @param threshold    the binary head's threshold; NaN for a class head, which has none
     * @param outputLabels a class head's output names, in output order; empty for a binary head
     */
    public record Exported(
            Path file,
            String headId,
            long version,
            float threshold,
            String status,
            String note,
            List<String> outputLabels) {

        public Exported {
            outputLabels = List.copyOf(outputLabels);
        }

        /** True for a class head. */
        public boolean classHead() {
            return !outputLabels.isEmpty();
        }
    }

    private HeadExport() {}

    /**
     * The newest version of a head, and the records under its key that were not taken for it.
     *
     * @param update  the newest version
     * @param skipped one line per record under the head's key that was skipped (its payload names
     *                another head, or it does not parse), the first {@value #MAX_SKIPPED_LISTED}
     *                listed, then a count
     */
    public record Found(HeadUpdate update, List<String> skipped) {}

    static final int MAX_SKIPPED_LISTED = 5;

    /**
     * {@link #find}'s update: the newest {@link HeadUpdate} filed under the record key {@code headId}.
     *
     * @throws IllegalArgumentException as {@link #find} does
     */
    public static HeadUpdate newest(List<ConsumerRecord<byte[], byte[]>> records, String headId) {
        return find(records, headId).update();
    }

    /**
     * The newest {@link HeadUpdate} filed under the record key {@code headId} among records of
     * {@value Topics#HEADS}, in the order given (offset order per partition), as a
     * {@link dev.headstream.client.HeadFollower} would hold it: the key decides, a record whose
     * payload names another head ({@link HeadKeys}) or that does not parse is skipped, a version at
     * or below the one held is ignored, and a tombstone erases what came before it.
     *
     * @throws IllegalArgumentException if no record has that key, the head was erased (a tombstone
     *                                  with no version after it) or no record under the key is a
     *                                  head of that key
     */
    public static Found find(List<ConsumerRecord<byte[], byte[]>> records, String headId) {
        HeadUpdate newest = null;
        ConsumerRecord<byte[], byte[]> erasedBy = null;
        List<String> skipped = new ArrayList<>();
        long skippedCount = 0;
        TreeSet<String> known = new TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String key = HeadKeys.key(r);
            if (key != null) {
                known.add(HeadKeys.shown(key));
            }
            if (!headId.equals(key)) {
                continue;
            }
            if (r.value() == null) {
                newest = null;
                erasedBy = r;
                continue;
            }
            String why;
            try {
                HeadUpdate u = HeadUpdate.parseFrom(r.value());
                why = HeadKeys.mismatch(key, u).orElse(null);
                if (why == null) {
                    if (newest == null || u.getVersion() > newest.getVersion()) {
                        newest = u;
                        erasedBy = null;
                    }
                    continue;
                }
            } catch (InvalidProtocolBufferException e) {
                why = "not a HeadUpdate: " + HeadKeys.shown(e.getMessage());
            }
            if (skippedCount++ < MAX_SKIPPED_LISTED) {
                skipped.add(r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + why);
            }
        }
        if (skippedCount > skipped.size()) {
            skipped.add("... and " + (skippedCount - skipped.size()) + " more");
        }
        if (newest != null) {
            return new Found(newest, List.copyOf(skipped));
        }
        if (erasedBy != null) {
            throw new IllegalArgumentException("head " + headId + " was erased (tombstone at " + erasedBy.topic() + "-"
                    + erasedBy.partition() + "@" + erasedBy.offset() + ")");
        }
        if (skippedCount > 0) {
            throw new IllegalArgumentException("no record under key " + headId + " on " + Topics.HEADS
                    + " is a head of that key (" + skippedCount + " skipped: " + skipped.get(0) + ")");
        }
        throw new IllegalArgumentException("head " + headId + " not found on " + Topics.HEADS + " ("
                + known.size() + " head ids there"
                + (known.isEmpty()
                        ? ""
                        : ", e.g. " + String.join(", ", known.stream().limit(5).toList())) + ")");
    }

    /**
     * Decodes {@code update} against its source head {@code <modelsDir>/<source_head_id>.onnx} and
     * writes it to {@code out} (creating parent folders). A class head carries every parameter and
     * needs no source model: it is decoded alone and written by {@link #exportClass}.
     *
     * @throws IllegalArgumentException if the source model is missing, or the update does not
     *                                  decode against it (another source SHA-256, another spec)
     */
    public static Exported export(HeadUpdate update, Path modelsDir, Path out) throws IOException {
        if (HeadCodec.isClassSpec(update.getSpec())) {
            return exportClass(update, out);
        }
        HeadLoader.refuseHeldFreshStart(update);
        SourceHeads.Resolved source = HeadLoader.sourceOf(update, modelsDir);
        HeadCodec.Decoded decoded = HeadCodec.decode(update, source.head());
        byte[] model = OnnxHeadExporter.export(
                decoded.head(),
                decoded.source(),
                decoded.trainable(),
                OnnxHeadExporter.ModelInterface.of(source.interfaceModel()),
                metadata(update));
        write(out, model);
        return new Exported(
                out,
                update.getHeadId(),
                update.getVersion(),
                decoded.threshold(),
                update.getStatus().name(),
                note(update),
                List.of());
    }

    /**
     * Writes class head {@code update} (multi-class or multi-label) to {@code out} (creating parent
     * folders): input {@code pooled} {@code [N, 2 * dim]}, the caller's mean-std pooled embeddings ({@code [N, 76]} for a mel-cepstrum head);
     * output {@code probabilities} {@code [N, outputs]}; no threshold.
     *
     * @throws IllegalArgumentException if the update is not a well-formed class head
     *                                  ({@link HeadCodec#decodeClass}) or an output name has a comma
     */
    public static Exported exportClass(HeadUpdate update, Path out) throws IOException {
        HeadCodec.DecodedClass decoded = HeadCodec.decodeClass(update);
        byte[] model = OnnxHeadExporter.exportClass(
                decoded.architecture(),
                decoded.parameters(),
                decoded.labels(),
                decoded.pooling(),
                classMetadata(update));
        write(out, model);
        return new Exported(
                out,
                update.getHeadId(),
                update.getVersion(),
                Float.NaN,
                update.getStatus().name(),
                note(update),
                decoded.labels());
    }

    private static void write(Path out, byte[] model) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(out, model);
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
        return new OnnxHeadExporter.Metadata(
                u.getHeadId(),
                u.getVersion(),
                p.getSourceHeadId(),
                p.getSourceHeadSha256(),
                p.getBackboneSha256(),
                u.getThreshold(),
                extra(u));
    }

    /**
     * A class head's exported provenance: the fixed fields (the source head is the task's start
     * head, {@code fresh:<seed>}) and the same extra entries as {@link #metadata}; no threshold.
     */
    public static OnnxHeadExporter.ClassMetadata classMetadata(HeadUpdate u) {
        Provenance p = u.getProvenance();
        return new OnnxHeadExporter.ClassMetadata(
                u.getHeadId(),
                u.getVersion(),
                p.getSourceHeadId(),
                p.getSourceHeadSha256(),
                p.getBackboneSha256(),
                extra(u));
    }

    private static Map<String, String> extra(HeadUpdate u) {
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
        return extra;
    }
}
