package dev.headstream.cli.detect;

import dev.headstream.cli.evaluate.EvalHead;
import dev.headstream.cli.evaluate.HeadLoader;
import dev.headstream.runtime.onnx.OnnxHeadExporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** An exported head file ({@code export-head}), the same for the whole run. Immutable. */
public final class FixedHead implements HeadSource {

    private final Optional<DetectorHead> head;
    private final Path file;

    /**
     * @param threshold overrides the file's {@code headstream.threshold} metadata when not null
     */
    public FixedHead(Path file, Float threshold) {
        this.file = file;
        EvalHead h = HeadLoader.fromFile(file, threshold);
        // an export-head file names its head and version in its metadata; any other model is "FILE" v0
        Map<String, String> meta;
        try {
            meta = HeadLoader.metadata(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String headId = meta.getOrDefault(OnnxHeadExporter.KEY_PREFIX + "head_id", h.name());
        long version = 0;
        try {
            version = Long.parseLong(meta.getOrDefault(OnnxHeadExporter.KEY_PREFIX + "version", "0"));
        } catch (NumberFormatException e) {
            // a version that is not a number is shown as 0
        }
        boolean held = Boolean.parseBoolean(meta.getOrDefault(OnnxHeadExporter.KEY_PREFIX + "held_at_source", "false"));
        long samples = 0;
        try {
            samples = Long.parseLong(meta.getOrDefault(OnnxHeadExporter.KEY_PREFIX + "samples_applied", "0"));
        } catch (NumberFormatException e) {
            // likewise
        }
        this.head = Optional.of(new DetectorHead(headId, version, "FILE", held, samples, h));
    }

    @Override
    public Optional<DetectorHead> current() {
        return head;
    }

    @Override
    public String describe() {
        return "head file " + file + ", threshold " + head.get().head().threshold() + " ("
                + head.get().head().thresholdFrom() + ")";
    }

    @Override
    public void close() {}
}
