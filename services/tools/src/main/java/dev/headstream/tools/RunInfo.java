package dev.headstream.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Facts about a run that its report records. */
public final class RunInfo {

    private RunInfo() {}

    /** {@code git describe --always --dirty} of the checkout ({@code headstream.home}), or {@code unknown}. */
    public static String gitCommit() {
        try {
            Process p = new ProcessBuilder(
                            "git", "-C", System.getProperty("headstream.home", "."), "describe", "--always", "--dirty")
                    .redirectErrorStream(true)
                    .start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? text : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
