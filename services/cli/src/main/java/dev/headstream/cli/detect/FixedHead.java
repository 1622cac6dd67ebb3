package dev.headstream.cli.detect;

import dev.headstream.cli.evaluate.EvalHead;
import dev.headstream.cli.evaluate.HeadLoader;
import java.nio.file.Path;
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
        this.head = Optional.of(new DetectorHead(h.name(), 0, "FILE", false, 0, h));
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
