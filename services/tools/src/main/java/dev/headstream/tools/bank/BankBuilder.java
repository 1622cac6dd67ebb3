package dev.headstream.tools.bank;

import dev.headstream.cli.ProgressBar;
import dev.headstream.core.bank.BankPart;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a negative bank: renders every planned stream of speech, embeds it with the streaming
 * front end (as a detector would hear it), and writes the parts ({@link NegativeBank}) with a
 * {@code manifest.json} that names the recipe. A directory whose manifest already names the same
 * recipe is left alone: the bank is rebuilt only when its recipe changes.
 *
 * <p>The result does not depend on the number of threads: each stream is a function of its plan,
 * and segments are written in plan order.
 */
public final class BankBuilder {

    /** The manifest's name inside a bank directory. */
    public static final String MANIFEST = "manifest.json";

    /**
     * One planned stream of continuous speech.
     *
     * @param id      stable name, e.g. {@code train/espeak-ng/en-us+m3/003}
     * @param part    {@code train}, {@code calibration} or {@code evaluation}
     * @param voice   the voice that speaks it (a bank part lists its voices)
     * @param seconds planned length (for progress)
     * @param audio   renders the stream: 16 kHz mono int16
     */
    public record Source(String id, String part, String voice, double seconds, Supplier<short[]> audio) {
        public Source {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(voice, "voice");
            Objects.requireNonNull(audio, "audio");
            if (!List.of("train", "calibration", "evaluation").contains(part)) {
                throw new IllegalArgumentException("bank part must be train, calibration or evaluation, was " + part);
            }
        }
    }

    /** What a build did. */
    public record Result(Path directory, boolean rebuilt, double seconds, Map<String, Double> audioHours) {}

    private BankBuilder() {}

    /** The recipe named by the manifest in {@code dir}, or null when there is none. */
    public static String builtRecipe(Path dir) {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            return null;
        }
        try {
            Matcher m = Pattern.compile("\"recipe\"\\s*:\\s*\"([^\"]*)\"").matcher(Files.readString(manifest));
            return m.find() ? m.group(1) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Whether {@code dir} holds a complete bank built from {@code recipe}. */
    public static boolean upToDate(Path dir, String recipe) {
        return recipe.equals(builtRecipe(dir))
                && Files.isRegularFile(dir.resolve(NegativeBank.TRAIN_FILE))
                && Files.isRegularFile(dir.resolve(NegativeBank.CALIBRATION_FILE));
    }

    /**
     * Builds the bank into {@code dir} unless it is up to date.
     *
     * @param recipe   identifies everything that shapes the bank; written to the manifest
     * @param sources  the streams, in the order their segments are written
     * @param backbone embeds the streams (thread-safe)
     * @param threads  streams rendered and embedded at once
     * @param log      where the progress bar and summary go
     */
    public static Result build(
            Path dir, String recipe, List<Source> sources, WakeWordBackbone backbone, int threads, PrintStream log) {
        if (upToDate(dir, recipe)) {
            log.println("bank: " + dir + " is up to date (recipe " + recipe + ")");
            return new Result(dir, false, 0, Map.of());
        }
        long start = System.nanoTime();
        double plannedHours = sources.stream().mapToDouble(Source::seconds).sum() / 3600;
        log.printf(
                Locale.ROOT,
                "bank: building %s: %d streams, %.2f h of speech, %d threads%n",
                dir,
                sources.size(),
                plannedHours,
                threads);
        ProgressBar bar = new ProgressBar("bank", "h", plannedHours, log);
        float[][] frames = new float[sources.size()][];
        double[] audioSeconds = new double[sources.size()];
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "bank-build");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < sources.size(); i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    Source s = sources.get(index);
                    short[] pcm;
                    try {
                        pcm = s.audio().get();
                    } catch (RuntimeException e) {
                        throw new IllegalStateException(
                                "cannot render bank stream " + s.id() + ": " + e.getMessage(), e);
                    }
                    EmbeddingSequence e = backbone.embedStream(pcm);
                    frames[index] = e.values();
                    audioSeconds[index] = pcm.length / 16_000.0;
                    bar.advance(s.seconds() / 3600);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the bank", e);
        } finally {
            pool.shutdownNow();
        }
        bar.finish();
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve(MANIFEST));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare bank directory " + dir, e);
        }
        Map<String, Double> hours = new LinkedHashMap<>();
        StringBuilder parts = new StringBuilder();
        for (String part : List.of("train", "calibration", "evaluation")) {
            List<String> voices = new ArrayList<>();
            List<BankPart.Segment> index = new ArrayList<>();
            List<float[]> segments = new ArrayList<>();
            double seconds = 0;
            for (int i = 0; i < sources.size(); i++) {
                Source s = sources.get(i);
                if (!s.part().equals(part)) {
                    continue;
                }
                int v = voices.indexOf(s.voice());
                if (v < 0) {
                    voices.add(s.voice());
                    v = voices.size() - 1;
                }
                index.add(new BankPart.Segment(
                        v, frames[i].length / backbone.info().embeddingDim()));
                segments.add(frames[i]);
                seconds += audioSeconds[i];
            }
            Path file = dir.resolve(part + ".bank");
            if (segments.isEmpty()) {
                try {
                    Files.deleteIfExists(file); // a part of an earlier recipe must not outlive it
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot delete the stale bank part " + file, e);
                }
                continue;
            }
            BankPart.write(file, backbone.info().sha256(), backbone.info().embeddingDim(), voices, index, segments);
            BankPart written = BankPart.open(file);
            hours.put(part, seconds / 3600);
            parts.append(parts.length() == 0 ? "" : ",\n")
                    .append(String.format(
                            Locale.ROOT,
                            "    \"%s\": {\"file\": \"%s\", \"audioHours\": %.4f, \"scoredHours16\": %.4f, \"segments\": %d,"
                                    + " \"frames\": %d, \"sha256\": \"%s\", \"voices\": [%s]}",
                            part,
                            file.getFileName(),
                            seconds / 3600,
                            written.hours(16),
                            written.segments(),
                            written.frames(),
                            written.sha256(),
                            String.join(
                                    ", ",
                                    voices.stream().map(BankBuilder::quote).toList())));
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        String manifest = String.format(
                Locale.ROOT,
                "{%n  \"recipe\": \"%s\",%n  \"backbone\": \"%s\",%n"
                        + "  \"buildSeconds\": %.1f,%n  \"threads\": %d,%n  \"parts\": {%n%s%n  }%n}%n",
                recipe,
                backbone.info().sha256(),
                elapsed,
                threads,
                parts);
        try {
            Files.writeString(dir.resolve(MANIFEST), manifest, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(MANIFEST), e);
        }
        log.printf(
                Locale.ROOT,
                "bank: built in %.0f s: %s%n",
                elapsed,
                hours.entrySet().stream()
                        .map(e -> String.format(Locale.ROOT, "%s %.2f h", e.getKey(), e.getValue()))
                        .toList());
        return new Result(dir, true, elapsed, hours);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
