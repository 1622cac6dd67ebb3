package dev.headstream.runtime.speech;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpeechSynthTest {

    private static final SynthRequest HEY_JARVIS =
            new SynthRequest("hey jarvis", Voice.parse("en-us+f2"), 50, 160, 60, 1.0);

    @TempDir
    Path temp;

    @Test
    void synthesizesSixteenKilohertzSpeech() {
        assertTrue(SpeechTools.available(), "espeak-ng and sox are not installed: run ./headstream setup");
        short[] pcm = new SpeechSynth().synthesize(HEY_JARVIS);
        // "hey jarvis" takes about a second; 22.05 kHz read as 16 kHz would be ~1.4 s long
        assertThat(pcm.length).isBetween(12_000, 22_000);
        int peak = 0;
        for (short s : pcm) {
            peak = Math.max(peak, Math.abs(s));
        }
        assertThat(peak).isBetween(3_000, 32_000);
    }

    @Test
    void sameRequestGivesIdenticalSamplesAndTempoChangesDuration() {
        assertTrue(SpeechTools.available(), "espeak-ng and sox are not installed: run ./headstream setup");
        SpeechSynth synth = new SpeechSynth();
        short[] first = synth.synthesize(HEY_JARVIS);
        assertThat(synth.synthesize(HEY_JARVIS)).isEqualTo(first);
        SynthRequest faster = new SynthRequest("hey jarvis", Voice.parse("en-us+f2"), 50, 160, 60, 1.1);
        assertThat((double) synth.synthesize(faster).length / first.length).isBetween(0.85, 0.96);
    }

    @Test
    void missingEspeakSaysWhichDebianPackageToInstall() {
        SpeechSynth synth = new SpeechSynth("espeak-ng-not-installed-here", "sox", Duration.ofSeconds(5), temp);
        assertThatThrownBy(() -> synth.synthesize(HEY_JARVIS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("espeak-ng-not-installed-here")
                .hasMessageContaining("apt-get install espeak-ng");
        assertThatThrownBy(synth::identity).hasMessageContaining("apt-get install espeak-ng");
    }

    @Test
    void missingSoxSaysWhichDebianPackageToInstall() {
        assertTrue(SpeechTools.available(), "espeak-ng and sox are not installed: run ./headstream setup");
        SpeechSynth synth = new SpeechSynth("espeak-ng", "sox-not-installed-here", Duration.ofSeconds(5), temp);
        assertThatThrownBy(() -> synth.synthesize(HEY_JARVIS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sox-not-installed-here")
                .hasMessageContaining("apt-get install sox");
    }

    @Test
    void failingToolReportsCommandExitCodeAndStderr() throws IOException {
        assertTrue(SpeechTools.available(), "espeak-ng and sox are not installed: run ./headstream setup");
        Path failing = script("failing-sox", "echo 'sox FAIL: something broke' >&2\nexit 3");
        SpeechSynth synth =
                new SpeechSynth("espeak-ng", failing.toString(), Duration.ofSeconds(5), temp.resolve("work"));
        assertThatThrownBy(() -> synth.synthesize(HEY_JARVIS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exit code 3")
                .hasMessageContaining(failing + " -V1 -D")
                .hasMessageContaining("sox FAIL: something broke");
        assertThat(leftovers(temp.resolve("work")))
                .as("temp files removed after a failure")
                .isEmpty();
    }

    @Test
    void hangingToolIsKilledAfterTheTimeout() throws IOException {
        Path hanging = script("hanging-espeak", "exec sleep 30");
        SpeechSynth synth = new SpeechSynth(hanging.toString(), "sox", Duration.ofMillis(300), temp.resolve("work"));
        long start = System.nanoTime();
        assertThatThrownBy(() -> synth.synthesize(HEY_JARVIS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("timed out after 300 ms")
                .hasMessageContaining(hanging.toString());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void removesItsTemporaryFiles() throws IOException {
        assertTrue(SpeechTools.available(), "espeak-ng and sox are not installed: run ./headstream setup");
        Path work = temp.resolve("work");
        new SpeechSynth("espeak-ng", "sox", Duration.ofSeconds(30), work).synthesize(HEY_JARVIS);
        assertThat(leftovers(work)).isEmpty();
    }

    @Test
    void identityNamesBothToolVersions() {
        assertTrue(SpeechTools.available(), "espeak-ng and sox are not installed: run ./headstream setup");
        assertThat(new SpeechSynth().identity()).contains("eSpeak NG").contains("SoX");
    }

    private Path script(String name, String body) throws IOException {
        Path file = temp.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    private static List<Path> leftovers(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }
}
