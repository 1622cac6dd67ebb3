package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.SpeechTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Whether the speech tools can run here; tests that need them fail with a set-up hint otherwise. */
final class Tools {

    private static final boolean AVAILABLE = SpeechTools.available();
    private static final boolean ALL_ENGINES = AVAILABLE
            && SpeechTools.runs("flite", "-lv")
            && SpeechTools.runs("festival", "--version")
            && FestivalSynth.VOICE_PACKAGES.keySet().stream().allMatch(Tools::festivalVoiceInstalled);

    /** What to run when a tool is missing. */
    static final String SETUP_HINT = SpeechTools.SETUP_HINT;

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
}
