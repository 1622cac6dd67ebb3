package dev.headstream.cli.synth;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Whether espeak-ng and sox can run here; tests that need them are skipped otherwise. */
final class Tools {

    private static final boolean AVAILABLE = runs("espeak-ng") && runs("sox");

    private Tools() {
    }

    static boolean available() {
        return AVAILABLE;
    }

    private static boolean runs(String command) {
        try {
            Process p = new ProcessBuilder(command, "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
