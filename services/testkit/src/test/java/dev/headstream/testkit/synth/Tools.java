package dev.headstream.testkit.synth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Whether the speech tools can run here; tests that need them fail with a set-up hint otherwise. */
final class Tools {

    private static final boolean AVAILABLE = runs("espeak-ng", "--version") && runs("sox", "--version");
    private static final boolean ALL_ENGINES = AVAILABLE
            && runs("flite", "-lv")
            && runs("festival", "--version")
            && FestivalSynth.VOICE_PACKAGES.keySet().stream().allMatch(Tools::festivalVoiceInstalled);

    /** What to run when a tool is missing. */
    static final String SETUP_HINT = "speech tools are not installed: run ./headstream setup";

    private Tools() {}

    /** espeak-ng and sox. */
    static boolean available() {
        return AVAILABLE;
    }

    /** espeak-ng, sox, flite, festival and the three Festival voices. */
    static boolean allEngines() {
        return ALL_ENGINES;
    }

    private static boolean festivalVoiceInstalled(String voice) {
        return List.of("english", "us").stream()
                .anyMatch(dir -> Files.isDirectory(Path.of("/usr/share/festival/voices", dir, voice)));
    }

    private static boolean runs(String command, String argument) {
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
