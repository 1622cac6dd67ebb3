package dev.headstream.core.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.embed.ClipPooling;
import dev.headstream.core.embed.MelCepstrumPooling;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputTransformTest {

    private static final int N = MelCepstrumPooling.WIDTH;

    @TempDir
    Path dir;

    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static InputTransform projection(int outputs) {
        return InputTransform.ofProjection(
                ClipPooling.MEL_CEPSTRUM, gaussian(N, 1), gaussian(N * outputs, 2), outputs, "test projection");
    }

    @Test
    void aProjectionMapsXMinusTheMeanThroughPTransposed() {
        float[] mean = gaussian(N, 1);
        float[] p = gaussian(N * 5, 2);
        InputTransform t = projection(5);
        float[] x = gaussian(N, 3);
        float[] y = t.apply(x);
        for (int k = 0; k < 5; k++) {
            double expected = 0;
            for (int i = 0; i < N; i++) {
                expected += ((double) x[i] - mean[i]) * p[i * 5 + k];
            }
            assertThat((double) y[k]).as("output %d", k).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    @Test
    void itsFileReadsBackBitForBitAndItsNameIsTheFilesSha256() throws Exception {
        InputTransform t = projection(N);
        Path f = dir.resolve("sub/t.hsit");
        t.write(f);
        InputTransform back = InputTransform.read(f);
        try (java.util.stream.Stream<Path> files = Files.list(f.getParent())) {
            assertThat(files).as("only the file, no temporary one").containsExactly(f);
        }
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
                .as("readable by the service's user, like any model file")
                .isEqualTo("rw-r--r--");
        assertThat(back.weights()).isEqualTo(t.weights());
        assertThat(back.bias()).isEqualTo(t.bias());
        assertThat(back.description()).isEqualTo("test projection");
        assertThat(back.pooling()).isEqualTo(ClipPooling.MEL_CEPSTRUM);
        assertThat(java.util.List.of(back.inputs(), back.outputs())).containsExactly(N, N);
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
        assertThat(back.sha256()).isEqualTo(sha).isEqualTo(t.sha256());
        assertThat(back).isEqualTo(t);
        assertThat(projection(N)).isEqualTo(t); // the same bits, the same name
        assertThat(InputTransform.ofProjection(
                        ClipPooling.MEL_CEPSTRUM, gaussian(N, 9), gaussian(N * N, 2), N, "test projection"))
                .isNotEqualTo(t);
    }

    @Test
    void aFileThatIsNotAUsableTransformIsRefusedNamingTheFileAndWhy() throws IOException {
        byte[] good = projection(3).bytes();
        assertThatThrownBy(() -> InputTransform.read(dir.resolve("missing.hsit")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot read input transform " + dir.resolve("missing.hsit"));
        assertThat(refusal(Arrays.copyOf(good, good.length - 1))).contains("parameters");
        assertThat(refusal(Arrays.copyOf(good, good.length + 4))).contains("parameters");
        assertThat(refusal(Arrays.copyOf(good, 10))).contains("no HSIT magic");
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertThat(refusal(magic)).contains("no HSIT magic");
        byte[] version = good.clone();
        ByteBuffer.wrap(version).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 2);
        assertThat(refusal(version)).contains("version 2; this build reads 1");
        byte[] wide = good.clone();
        ByteBuffer.wrap(wide).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 10_000);
        assertThat(refusal(wide)).contains("maps 10000 values to 3");

        byte[] nan = good.clone();
        ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putFloat(nan.length - 4, Float.NaN);
        assertThat(refusal(nan)).contains("must be finite");
        // a transform of mean-std vectors of 76 values is legal; one of 75 is not (odd)
        assertThatThrownBy(() -> InputTransform.of(ClipPooling.MEAN_STD, 75, 2, new float[150], new float[2], ""))
                .hasMessageContaining("cannot read mean-std");
        assertThatThrownBy(() -> InputTransform.of(ClipPooling.MEL_CEPSTRUM, 75, 2, new float[150], new float[2], ""))
                .hasMessageContaining("cannot read mel-cepstrum");
        // a file of 1000 inputs read as mel-cepstrum is refused before its parameters are read
        byte[] widths = good.clone();
        ByteBuffer.wrap(widths).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 1000);
        assertThat(refusal(widths)).contains("it maps 1000 values, which cannot be mel-cepstrum vectors");
        // a description longer than a transform may have (its length field says 5000)
        byte[] longText = good.clone();
        int at = 16 + 2 + "mel-cepstrum".length();
        ByteBuffer.wrap(longText).order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) 5000);
        assertThat(refusal(longText)).contains("a text of 5000 bytes; at most 4096 are read");
        // a pooling name in another case: it would not write back to the same bytes
        byte[] upper = good.clone();
        byte[] name = "MEL-CEPSTRUM".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        System.arraycopy(name, 0, upper, 18, name.length);
        assertThat(refusal(upper)).contains("not in the canonical form");
        // a name that is not the file form's SHA-256
        InputTransform t = projection(3);
        assertThatThrownBy(() -> new InputTransform(
                        t.pooling(), t.inputs(), t.outputs(), t.weights(), t.bias(), t.description(), "0".repeat(64)))
                .hasMessageContaining("a transform named " + "0".repeat(64) + " has the SHA-256 " + t.sha256());
        assertThatThrownBy(() -> InputTransform.of(ClipPooling.MEL_CEPSTRUM, N, 2, new float[N], new float[2], ""))
                .hasMessageContaining("has " + (2 * N) + " weights and 2 biases, not " + N + " and 2");
    }

    private String refusal(byte[] b) throws IOException {
        Path f = Files.write(dir.resolve("bad-" + System.nanoTime() + ".hsit"), b);
        try {
            InputTransform.read(f);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).startsWith("input transform " + f + " is not usable: ");
            return e.getMessage();
        }
        throw new AssertionError("read " + f + " without complaint");
    }
}
