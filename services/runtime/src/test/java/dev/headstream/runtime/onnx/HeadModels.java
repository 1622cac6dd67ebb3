package dev.headstream.runtime.onnx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The verified model folder ({@code headstream.models.dir}, set by the parent pom). */
final class HeadModels {

    private HeadModels() {}

    static Path path(String file) {
        String dir = System.getProperty("headstream.models.dir");
        if (dir == null) {
            throw new IllegalStateException(
                    "system property headstream.models.dir is not set (the parent pom sets it)");
        }
        Path p = Path.of(dir, file);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("model file not found: " + p + " (run src/build/fetch-models.sh)");
        }
        return p;
    }

    static byte[] bytes(String file) {
        try {
            return Files.readAllBytes(path(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
