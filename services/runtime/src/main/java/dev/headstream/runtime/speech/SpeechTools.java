package dev.headstream.runtime.speech;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Whether the speech tools ({@code espeak-ng} and {@code sox}, Debian packages of the same names) run here. */
public final class SpeechTools {

    /** What to run when a tool is missing. */
    public static final String SETUP_HINT = "speech tools are not installed: run ./headstream setup";

    private static final boolean AVAILABLE = runs("espeak-ng", "--version") && runs("sox", "--version");

    private SpeechTools() {}

    /** Whether {@code espeak-ng} and {@code sox} are on the {@code PATH} and start (checked once). */
    public static boolean available() {
        return AVAILABLE;
    }

    /**
     * The voices this machine's espeak-ng has: its languages ({@code espeak-ng --voices}, e.g.
     * {@code en-us}) and its variants ({@code espeak-ng --voices=variant}, e.g. {@code m1}).
     *
     * @throws IllegalStateException if espeak-ng cannot list them
     */
    public static EspeakVoices espeakVoices() {
        Set<String> languages = new HashSet<>();
        for (String line : output("espeak-ng", "--voices")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && !f[0].equals("Pty")) {
                languages.add(f[1]);
                // and the languages it also answers to, "(en 2)": -v en picks the best of them
                for (String alias : f) {
                    if (alias.startsWith("(") && alias.length() > 1) {
                        languages.add(alias.substring(1));
                    }
                }
            }
        }
        Set<String> variants = new HashSet<>();
        for (String line : output("espeak-ng", "--voices=variant")) {
            for (String f : line.trim().split("\\s+")) {
                if (f.startsWith("!v/")) {
                    variants.add(f.substring(3));
                }
            }
        }
        if (languages.isEmpty() || variants.isEmpty()) {
            throw new IllegalStateException("espeak-ng listed no voices (espeak-ng --voices, --voices=variant)");
        }
        return new EspeakVoices(Set.copyOf(languages), Set.copyOf(variants));
    }

    /** espeak-ng's languages and variants ({@link #espeakVoices}). */
    public record EspeakVoices(Set<String> languages, Set<String> variants) {

        /** Whether espeak-ng has {@code voice}'s language and variant (espeak-ng itself falls back silently). */
        public boolean has(Voice voice) {
            return voice.engine() == Engine.ESPEAK_NG
                    && languages.contains(voice.name())
                    && (voice.variant().isEmpty() || variants.contains(voice.variant()));
        }
    }

    private static List<String> output(String command, String argument) {
        try {
            Process p = new ProcessBuilder(command, argument)
                    .redirectErrorStream(true)
                    .start();
            byte[] out = p.getInputStream().readNBytes(1 << 20);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(command + " " + argument + " failed");
            }
            return new String(out, StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command + " " + argument + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    /** Whether {@code command argument} exits 0 within 10 s. */
    public static boolean runs(String command, String argument) {
        try {
            Process p = new ProcessBuilder(command, argument)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
