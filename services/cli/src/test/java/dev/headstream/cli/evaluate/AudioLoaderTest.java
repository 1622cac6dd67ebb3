package dev.headstream.cli.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AudioLoaderTest {

    private static final int WINDOW = SegmentScorer.WINDOW_SAMPLES;

    @TempDir
    Path dir;

    private final List<String> notices = new ArrayList<>();
    /** Where sox's temporary files go. */
    private Path temp;

    private AudioLoader loader;

    @BeforeEach
    void makeLoader() throws Exception {
        temp = Files.createDirectories(dir.resolve("temp"));
        loader = new AudioLoader(new Sox("sox", temp), WINDOW, notices::add);
    }

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
        assertThat(r.read(WINDOW - 1_010, WINDOW - 990))
                .startsWith(new short[10])
                .endsWith(Arrays.copyOf(pcm, 10));
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

        assertThat(notices)
                .containsExactly(
                        "converted " + stereo + " (44100 Hz, 2 channels, 24-bit) to 16 kHz mono 16-bit with sox");
        assertThat(r.convertedFrom()).isEqualTo("44100 Hz, 2 channels, 24-bit");
        assertThat(r.file()).isEqualTo(stereo);
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
        r.close();
        assertThat(temp).isEmptyDirectory();
    }

    @Test
    void readsAConvertedLongRecordingInSegmentsFromATemporaryNativeFileDeletedOnClose() throws Exception {
        TestAudio.requireTools();
        Path stereo = dir.resolve("long-stereo.wav");
        Path native16k = dir.resolve("long-native.wav");
        stereoAndNative(dir.resolve("long-mono.wav"), TestAudio.tones(16_000 * 60 + 333, 6), stereo, native16k);

        Recording r = loader.open(stereo);
        Recording expected = loader.open(native16k);

        // the samples are on disk, in a native WAV file of a temporary directory of its own
        assertThat(r.source()).isNotEqualTo(stereo).startsWith(temp).exists();
        assertThat(r.source().getParent().getParent()).isEqualTo(temp);
        WavHeader h = WavReader.header(r.source()).orElseThrow();
        assertThat(h.isNative()).isTrue();
        assertThat(h.frames()).isEqualTo(r.samples());
        assertThat(Files.size(r.source())).isEqualTo(h.dataOffset() + 2L * r.samples());
        assertThat(expected.source()).isEqualTo(native16k);
        assertThat(r.samples()).isEqualTo(expected.samples());
        assertThat(r.length()).isEqualTo(expected.length()).isGreaterThan(16_000 * 59);
        // read a segment at a time, in any order, they are those of the native equivalent
        for (int from = r.length() - 1; from > 0; from = Math.max(0, from - 12_345)) {
            int to = Math.min(r.length(), from + 12_345);
            assertThat(r.read(from, to)).as("[%d, %d)", from, to).containsExactly(expected.read(from, to));
        }
        expected.close();
        assertThat(native16k).exists();
        r.close();
        r.close();
        assertThat(temp).isEmptyDirectory();
        assertThatThrownBy(() -> r.read(0, 10))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot read " + stereo + ": the recording is closed and its converted audio deleted");
    }

    /** Writes {@code pcm} to {@code mono}; sox makes it 44.1 kHz stereo, then 16 kHz mono (the native equivalent). */
    static void stereoAndNative(Path mono, short[] pcm, Path stereo, Path native16k) throws Exception {
        TestAudio.writeNative(mono, pcm);
        TestAudio.run(List.of("sox", "-D", mono.toString(), "-r", "44100", "-c", "2", "-b", "16", stereo.toString()));
        TestAudio.run(List.of(
                "sox",
                "-D",
                stereo.toString(),
                "-r",
                "16000",
                "-c",
                "1",
                "-b",
                "16",
                "-e",
                "signed-integer",
                native16k.toString()));
        assertThat(WavReader.header(stereo).orElseThrow().describe()).isEqualTo("44100 Hz, 2 channels, 16-bit");
    }

    @Test
    void convertsAFlacFileDescribedBySox() throws Exception {
        TestAudio.requireTools();
        Path wav = TestAudio.writeNative(dir.resolve("a.wav"), TestAudio.tones(40_000, 5));
        Path flac = dir.resolve("a.flac");
        TestAudio.run(List.of("sox", wav.toString(), flac.toString()));

        try (Recording r = loader.open(flac)) {
            assertThat(r.read(0, r.length())).containsExactly(loader.open(wav).read(0, 40_000));
        }
        assertThat(notices)
                .containsExactly("converted " + flac + " (16-bit FLAC, 16000 Hz, 1 channel) to 16 kHz mono"
                        + " 16-bit with sox");
        assertThat(temp).isEmptyDirectory();
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
        assertThat(temp).as("no temporary file is left behind").isEmptyDirectory();
        assertThat(notices).isEmpty();
    }

    @Test
    void aMissingFileIsNamed() {
        Path f = dir.resolve("gone.wav");

        assertThatThrownBy(() -> loader.open(f)).hasMessage("audio file not found: " + f);
    }
}
