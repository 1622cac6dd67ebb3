package dev.headstream.core.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.embed.Float16;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BankPartTest {

    @TempDir
    Path dir;

    private Path write(float[]... segments) {
        Path file = dir.resolve("part.bank");
        List<BankPart.Segment> index = new ArrayList<>();
        for (int i = 0; i < segments.length; i++) {
            index.add(new BankPart.Segment(i % 2, segments[i].length / 3));
        }
        BankPart.write(file, "backbone-x", 3, List.of("espeak-ng:en+m1", "flite:slt"), index, Arrays.asList(segments));
        return file;
    }

    @Test
    void framesSegmentsVoicesAndWindowsRoundTripInHalfPrecision() {
        float[] a = new float[3 * 20];
        float[] b = new float[3 * 5];
        for (int i = 0; i < a.length; i++) {
            a[i] = i * 0.37f - 4f;
        }
        Arrays.fill(b, 1.5f);
        BankPart p = BankPart.open(write(a, b));
        assertThat(p.backbone()).isEqualTo("backbone-x");
        assertThat(p.dim()).isEqualTo(3);
        assertThat(p.segments()).isEqualTo(2);
        assertThat(p.frames()).isEqualTo(25);
        assertThat(p.voiceOf(0)).isEqualTo("espeak-ng:en+m1");
        assertThat(p.voiceOf(1)).isEqualTo("flite:slt");
        BankWindows w = new BankWindows(p, 16);
        assertThat(w.count()).as("windows never span two segments").isEqualTo(5);
        assertThat(p.hours(16)).isEqualTo(5 * 0.08 / 3600);
        float[] window = new float[16 * 3];
        w.copy(4, window);
        for (int i = 0; i < window.length; i++) {
            assertThat(window[i]).isEqualTo(Float16.toFloat(Float16.fromFloat(a[4 * 3 + i])));
        }
        assertThat(w.segmentOf(4)).isZero();
        assertThat(p.sha256()).hasSize(64);
    }

    @Test
    void forgedOrDamagedFilesAreRefusedNamingTheFile() throws IOException {
        Path good = write(new float[3 * 20]);
        byte[] bytes = Files.readAllBytes(good);
        int countsAt = 8 + 2 + "backbone-x".length() + 4; // magic, backbone id, dim

        byte[] manyVoices = bytes.clone();
        ByteBuffer.wrap(manyVoices).order(ByteOrder.LITTLE_ENDIAN).putInt(countsAt, Integer.MAX_VALUE);
        assertThatThrownBy(() -> BankPart.open(Files.write(dir.resolve("voices.bank"), manyVoices)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("voices.bank is damaged: bad header");

        assertThatThrownBy(
                        () -> BankPart.open(Files.write(dir.resolve("cut.bank"), Arrays.copyOf(bytes, countsAt + 2))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cut.bank is damaged");

        assertThatThrownBy(() ->
                        BankPart.open(Files.write(dir.resolve("short.bank"), Arrays.copyOf(bytes, bytes.length - 2))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("short.bank is damaged: holds");

        byte[] nan = bytes.clone();
        nan[nan.length - 1] = 0x7e; // the last value becomes a float16 NaN
        assertThatThrownBy(() -> BankPart.open(Files.write(dir.resolve("nan.bank"), nan)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nan.bank is damaged: frame value 59 is not finite");

        byte[] magic = bytes.clone();
        magic[0] = 'X';
        assertThatThrownBy(() -> BankPart.open(Files.write(dir.resolve("magic.bank"), magic)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a negative bank part");

        assertThatThrownBy(() -> BankPart.open(dir.resolve("missing.bank")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative bank part not found")
                .hasMessageContaining("./headstream bank build");
    }
}
