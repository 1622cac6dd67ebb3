package dev.headstream.testkit.synth;

import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Told how far a {@link SyntheticUsers#generate} run has got. Called on the thread that called
 * {@code generate}, once per finished clip, with {@code done} counting up to {@code total}.
 */
@FunctionalInterface
public interface SynthProgress {

    void onProgress(int done, int total);

    /** Ignores progress. */
    static SynthProgress none() {
        return (done, total) -> {};
    }

    /**
     * Emits a line such as {@code synth: 120/320 clips} every {@code every} clips and at the
     * end; hand it a logger, e.g. {@code SynthProgress.lines(40, log::info)}.
     */
    static SynthProgress lines(int every, Consumer<String> sink) {
        if (every < 1) {
            throw new IllegalArgumentException("every must be at least 1, was " + every);
        }
        Objects.requireNonNull(sink, "sink");
        return (done, total) -> {
            if (done % every == 0 || done == total) {
                sink.accept(String.format(Locale.ROOT, "synth: %d/%d clips", done, total));
            }
        };
    }
}
