package dev.headstream.cli.evaluate;

import static dev.headstream.cli.evaluate.TestAudio.bytes;
import static dev.headstream.cli.evaluate.TestAudio.chunk;
import static dev.headstream.cli.evaluate.TestAudio.fmt;
import static dev.headstream.cli.evaluate.TestAudio.riff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WavReaderTest {

    private static final short[] PCM = TestAudio.tones(4_001, 1);

    @TempDir
    Path dir;

    @Test
    void readsANativeFile() throws Exception {
        Path f = TestAudio.writeNative(dir.resolve("native.wav"), PCM);

        WavHeader h = WavReader.header(f).orElseThrow();

        assertThat(h.isNative()).isTrue();
        assertThat(h.extensible()).isFalse();
        assertThat(h.frames()).isEqualTo(PCM.length);
        assertThat(h.dataOffset()).isEqualTo(44);
        assertThat(WavReader.samples(f, h, 0, PCM.length)).containsExactly(PCM);
        assertThat(WavReader.samples(f, h, 1_000, 3)).containsExactly(PCM[1_000], PCM[1_001], PCM[1_002]);
    }

    @Test
    void readsAnExtensibleHeaderWithAPcmSubFormat() throws Exception {
        Path f = dir.resolve("extensible.wav");
        Files.write(f, riff(chunk("fmt ", fmt(1, 1, 16_000, 16, true)), chunk("data", bytes(PCM))));

        WavHeader h = WavReader.header(f).orElseThrow();

        assertThat(h.extensible()).isTrue();
        assertThat(h.format()).isEqualTo(WavHeader.PCM);
        assertThat(h.isNative()).isTrue();
        assertThat(WavReader.samples(f, h, 0, PCM.length)).containsExactly(PCM);
    }

    @Test
    void anExtensibleFloatFileIsNotNative() throws Exception {
        Path f = dir.resolve("float.wav");
        Files.write(f, riff(chunk("fmt ", fmt(3, 2, 48_000, 32, true)), chunk("data", new byte[64])));

        WavHeader h = WavReader.header(f).orElseThrow();

        assertThat(h.isNative()).isFalse();
        assertThat(h.describe()).isEqualTo("48000 Hz, 2 channels, 32-bit float");
        assertThat(h.frames()).isEqualTo(8);
    }

    @Test
    void skipsExtraChunksAndTheirPadBytes() throws Exception {
        byte[] list = "LIST\0INFOISFT\0odd".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(list.length % 2).isEqualTo(1);
        Path f = dir.resolve("chunks.wav");
        Files.write(
                f,
                riff(
                        chunk("LIST", list),
                        chunk("fmt ", fmt(1, 1, 16_000, 16, false)),
                        chunk("fact", new byte[] {1, 2, 3}),
                        chunk("data", bytes(PCM)),
                        chunk("id3 ", new byte[7])));

        WavHeader h = WavReader.header(f).orElseThrow();

        assertThat(h.isNative()).isTrue();
        assertThat(h.dataOffset()).isEqualTo(12 + 8 + 18 + 8 + 16 + 8 + 4 + 8);
        assertThat(WavReader.samples(f, h, 0, PCM.length)).containsExactly(PCM);
    }

    @Test
    void aDataSizeOfAllOnesMeansUntilTheEndOfTheFile() throws Exception {
        Path f = dir.resolve("streamed.wav");
        byte[] data = Arrays.copyOf(bytes(PCM), 2 * PCM.length + 1);
        Files.write(f, riff(chunk("fmt ", fmt(1, 1, 16_000, 16, false)), chunk("data", data, -1)));

        WavHeader h = WavReader.header(f).orElseThrow();

        assertThat(h.frames()).isEqualTo(PCM.length + 1);
    }

    @Test
    void rejectsATruncatedFileNamingItAndWhatIsMissing() throws Exception {
        Path f = dir.resolve("cut.wav");
        byte[] whole = TestAudio.riff(chunk("fmt ", fmt(1, 1, 16_000, 16, false)), chunk("data", bytes(PCM)));
        Files.write(f, Arrays.copyOf(whole, 44 + 1_000));

        assertThatThrownBy(() -> WavReader.header(f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "cannot read " + f + ": truncated: the data chunk declares 8002 bytes but only 1000 follow");
    }

    @Test
    void rejectsAFileThatEndsInsideItsHeader() throws Exception {
        Path inHeader = dir.resolve("header.wav");
        Files.write(inHeader, Arrays.copyOf(TestAudio.riff(chunk("fmt ", fmt(1, 1, 16_000, 16, false))), 30));
        Path inRiff = dir.resolve("riff.wav");
        Files.write(inRiff, "RIFF\1\0".getBytes(StandardCharsets.ISO_8859_1));

        assertThatThrownBy(() -> WavReader.header(inHeader))
                .hasMessage("cannot read " + inHeader
                        + ": truncated: the 'fmt ' chunk at byte 12 declares 16 bytes but only 10 follow");
        assertThatThrownBy(() -> WavReader.header(inRiff))
                .hasMessage("cannot read " + inRiff + ": truncated: the file ends inside the RIFF header (6 bytes)");
    }

    @Test
    void rejectsAFileWithoutADataChunk() throws Exception {
        Path f = dir.resolve("nodata.wav");
        Files.write(f, riff(chunk("fmt ", fmt(1, 1, 16_000, 16, false))));

        assertThatThrownBy(() -> WavReader.header(f))
                .hasMessage("cannot read " + f + ": no data chunk: the file ends after 36 bytes");
    }

    @Test
    void aFileThatIsNotRiffIsLeftToSox() throws Exception {
        Path f = dir.resolve("clip.flac");
        Files.write(f, "fLaC\0\0\0\"".getBytes(StandardCharsets.ISO_8859_1));

        assertThat(WavReader.header(f)).isEmpty();
    }
}
