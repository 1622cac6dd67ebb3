package dev.headstream.runtime.speech;

import java.io.IOException;
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
