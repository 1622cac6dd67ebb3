package dev.headstream.cli.evaluate;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One labeled clip of a user: a recording that contains the wake word ({@code positive}) or not.
 *
 * @param user     the user it belongs to
 * @param positive whether it holds the wake word
 * @param file     the audio file
 * @param name     how reports name it: the path relative to the clips folder or manifest
 */
public record LabeledClip(String user, boolean positive, Path file, String name) {

    public LabeledClip {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(name, "name");
    }

    /** {@code positive} or {@code negative}. */
    public String label() {
        return positive ? "positive" : "negative";
    }
}
