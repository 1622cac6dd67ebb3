package dev.headstream.cli.produce;

import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Split;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * One recording to send: whose it is, its labels and split, and its id if the input named one.
 * Kept small, since a manifest's clips are all held before the first is sent: the file is its
 * {@code name} resolved against a {@code base} that clips share, and a manifest shares its tenant,
 * user and label instances between clips.
 *
 * @param base     the folder {@code name} is relative to (a manifest's folder), or null when
 *                 {@code name} is the file's path as given
 * @param name     how the output names it: the path as given, or as the manifest writes it
 * @param line     the manifest line it is on, or 0 when it was named on the command line
 * @param tenant   the user's tenant
 * @param user     the user
 * @param labels   labels per task, at least one
 * @param split    {@link Split#SPLIT_TRAIN} or {@link Split#SPLIT_HOLDOUT}
 * @param sampleId the sample id, or null for the id the client derives from the recording
 */
record ProduceClip(
        Path base,
        String name,
        int line,
        String tenant,
        String user,
        Map<String, Label> labels,
        Split split,
        String sampleId) {

    ProduceClip {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(user, "user");
        labels = Map.copyOf(labels);
        Objects.requireNonNull(split, "split");
    }

    /** The audio file. */
    Path file() {
        return base == null ? Path.of(name) : base.resolve(name);
    }

    /** {@code <tenant>/<user>}. */
    String key() {
        return tenant + "/" + user;
    }

    /** Its name, and its manifest line when it has one: {@code a.wav (line 3)}. */
    String where() {
        return line > 0 ? name + " (line " + line + ")" : name;
    }
}
