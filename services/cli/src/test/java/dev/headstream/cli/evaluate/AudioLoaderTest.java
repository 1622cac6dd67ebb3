package dev.headstream.cli.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AudioLoaderTest {

    private static final int WINDOW = SegmentScorer.WINDOW_SAMPLES;

    @TempDir
    Path dir;

    private final List<String> notices = new ArrayList<>();
    private final AudioLoader loader = new AudioLoader(new Sox("sox"), WINDOW, notices::add);

    @Test
    void readsANativeFileAsItIsWithoutANotice() throws Exception {
        short[] pcm = TestAudio.tones(50_000, 2);
        Path f = TestAudio.writeNative(dir.resolve("native.wav"), pcm);

        Recording r = loader.open(f);

        assertThat(r.padding()).isZero();
        assertThat(r.convertedFrom()).isNull();
        assertThat(r.read(0, r.length())).containsExactly(pcm);
        assertThat(notices).isEmpty();
    }

    @Test
    void padsAShortClipAtTheStartWithSilence() throws Exception {
        short[] pcm = TestAudio.tones(1_000, 3);
        Path f = TestAudio.writeNative(dir.resolve("short.wav"), pcm);

        Recording r = loader.open(f);

        assertThat(r.samples()).isEqualTo(1_000);
        assertThat(r.padding()).isEqualTo(WINDOW - 1_000);
        short[] all = r.read(0, WINDOW);
        assertThat(Arrays.copyOf(all, WINDOW - 1_000)).containsOnly((short) 0);
        assertThat(Arrays.copyOfRange(all, WINDOW - 1_000, WINDOW)).containsExactly(pcm);
        assertThat(r.read(WINDOW - 1_010, WINDOW - 990)).startsWith(new short[10]).endsWith(Arrays.copyOf(pcm, 10));
    }

    @Test
    void convertsA441kHzStereo24BitFileWithSoxAndSaysSo() throws Exception {
        TestAudio.requireTools();
        short[] pcm = TestAudio.tones(48_000, 4);
        Path mono = TestAudio.writeNative(dir.resolve("mono.wav"), pcm);
        Path stereo = dir.resolve("stereo.wav");
        TestAudio.run(List.of("sox", "-D", mono.toString(), "-r", "44100", "-c", "2", "-b", "24", stereo.toString()));
        assertThat(WavReader.header(stereo).orElseThrow().describe()).isEqualTo("44100 Hz, 2 channels, 24-bit");

        Recording r = loader.open(stereo);

        assertThat(notices).containsExactly("converted " + stereo
                + " (44100 Hz, 2 channels, 24-bit) to 16 kHz mono 16-bit with sox");
        assertThat(r.convertedFrom()).isEqualTo("44100 Hz, 2 channels, 24-bit");
        assertThat(r.samples()).isBetween(pcm.length - 2, pcm.length + 2);
        // the round trip through 44.1 kHz stereo gives back the signal (resampling error only)
        short[] back = r.read(r.padding(), r.length());
        double err = 0;
        double energy = 0;
        for (int i = 1_000; i < pcm.length - 1_000; i++) {
            err += Math.pow(back[i] - pcm[i], 2);
            energy += Math.pow(pcm[i], 2);
        }
        assertThat(err / energy).isLessThan(1e-3);
    }

    @Test
    void convertsAFlacFileDescribedBySox() throws Exception {
        TestAudio.requireTools();
        Path wav = TestAudio.writeNative(dir.resolve("a.wav"), TestAudio.tones(40_000, 5));
        Path flac = dir.resolve("a.flac");
        TestAudio.run(List.of("sox", wav.toString(), flac.toString()));

        Recording r = loader.open(flac);

        assertThat(r.read(0, r.length())).containsExactly(loader.open(wav).read(0, 40_000));
        assertThat(notices).containsExactly("converted " + flac + " (16-bit FLAC, 16000 Hz, 1 channel) to 16 kHz mono"
                + " 16-bit with sox");
    }

    @Test
    void aFileSoxCannotReadFailsNamingTheFileAndSoxsMessage() throws Exception {
        TestAudio.requireTools();
        Path f = dir.resolve("noise.mp3");
        Files.writeString(f, "this is not audio", StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> loader.open(f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("sox cannot read " + f + ": ")
                .hasMessageContaining("sox FAIL");
    }

    @Test
    void aMissingFileIsNamed() {
        Path f = dir.resolve("gone.wav");

        assertThatThrownBy(() -> loader.open(f)).hasMessage("audio file not found: " + f);
    }
}
