package dev.headstream.core.embed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A model file on disk with its SHA-256, read once. The digest is the model's identity in
 * every published head's provenance.
 *
 * @param path  where the file is
 * @param bytes the whole file
 * @param sha256 lower-case hex SHA-256 of {@code bytes}
 */
public record ModelFile(Path path, byte[] bytes, String sha256) {

    /** Reads {@code path}; a missing file is an {@link IllegalArgumentException} naming it and the set-up step. */
    public static ModelFile read(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(
                    "model file not found: " + path + " (run src/build/fetch-models.sh, or point to the model folder:"
                            + " --models-dir for the commands, headstream.models-dir for the adapter)");
        }
        try {
            byte[] bytes = Files.readAllBytes(path);
            return new ModelFile(path, bytes, sha256(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file " + path, e);
        }
    }

    /** Lower-case hex SHA-256 of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /**
     * Makes {@code file} readable by everyone, as a model file must be for the service's user (a
     * container runs it as another user, and a temporary file starts owner-only); on a file system
     * without POSIX permissions, its defaults apply.
     */
    public static void readableByAll(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: its defaults apply
        }
    }

    /** File name without its {@code .onnx} extension. */
    public String id() {
        String name = path.getFileName().toString();
        return name.endsWith(".onnx") ? name.substring(0, name.length() - 5) : name;
    }
}
