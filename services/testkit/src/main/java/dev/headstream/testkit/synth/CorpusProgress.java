package dev.headstream.testkit.synth;

import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Told how far a {@link ReadSpeech#renderAll} run has got: once per finished stream, on the
 * calling thread, with {@code doneSeconds} of audio counting up to {@code totalSeconds}.
 */
@FunctionalInterface
public interface CorpusProgress {

    void onProgress(double doneSeconds, double totalSeconds);

    /** Ignores progress. */
    static CorpusProgress none() {
        return (done, total) -> {};
    }

    /** Emits lines such as {@code read-speech: 1200/7200 s (16.7 %)}; hand it a logger. */
    static CorpusProgress lines(Consumer<String> sink) {
        Objects.requireNonNull(sink, "sink");
        return (done, total) -> sink.accept(String.format(
                Locale.ROOT,
                "read-speech: %.0f/%.0f s (%.1f %%)",
                done,
                total,
                total == 0 ? 100.0 : 100 * done / total));
    }
}
