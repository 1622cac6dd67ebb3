package dev.headstream.runtime.backbone;

import dev.headstream.core.embed.ExecutionOptions;
import dev.headstream.core.embed.ModelFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Test fixtures: the verified model folder and short real speech from espeak-ng + sox. */
public final class TestModels {

    private static final Map<String, short[]> SPEECH = new ConcurrentHashMap<>();

    private TestModels() {}

    public static Path dir() {
        String d = System.getProperty("headstream.models.dir");
        if (d == null) {
            throw new IllegalStateException(
                    "system property headstream.models.dir is not set (the parent pom sets it)");
        }
        return Path.of(d);
    }

    public static ModelFile model(String file) {
        return ModelFile.read(dir().resolve(file));
    }

    public static WakeWordBackbone backbone(WakeWordBackbone.EmbeddingMode mode) {
        return new WakeWordBackbone(
                model("melspectrogram.onnx"), model("embedding_model.onnx"), ExecutionOptions.cpu(1), mode, 10.0);
    }

    /**
     * Speaks {@code text} with espeak-ng and returns it as 16 kHz mono int16, padded or cut to
     * {@code samples} with the speech ending {@code tailSamples} before the end. The same arguments
     * give the same samples on every run (sox's random dither is off). Synthesized once per JVM for
     * each distinct argument list; every call returns a fresh copy.
     */
    public static short[] speech(String text, String voice, int samples, int tailSamples) {
        return SPEECH.computeIfAbsent(
                        text + "|" + voice + "|" + samples + "|" + tailSamples,
                        k -> synthesize(text, voice, samples, tailSamples))
                .clone();
    }

    private static short[] synthesize(String text, String voice, int samples, int tailSamples) {
        try {
            Path wav = Files.createTempFile("hs-test", ".wav");
            try {
                run(List.of("espeak-ng", "-v", voice, "-w", wav.toString(), text));
                byte[] raw = run(List.of(
                        "sox",
                        "-D",
                        wav.toString(),
                        "-t",
                        "raw",
                        "-r",
                        "16000",
                        "-c",
                        "1",
                        "-b",
                        "16",
                        "-e",
                        "signed-integer",
                        "-L",
                        "-"));
                short[] pcm = new short[raw.length / 2];
                ByteBuffer.wrap(raw)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asShortBuffer()
                        .get(pcm);
                short[] clip = new short[samples];
                int end = samples - tailSamples;
                int n = Math.min(pcm.length, end);
                System.arraycopy(pcm, pcm.length - n, clip, end - n, n);
                return clip;
            } finally {
                Files.deleteIfExists(wav);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot synthesize test speech (are espeak-ng and sox installed?)", e);
        }
    }

    private static byte[] run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(out);
        }
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("command failed: " + cmd);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + cmd, e);
        }
        return out.toByteArray();
    }
}
