package dev.headstream.cli.produce;

import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Split;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * One recording to send: whose it is, its labels and split, and its id if the input named one.
 *
 * @param file     the audio file
 * @param name     how the output names it: the path as given, or as the manifest writes it
 * @param tenant   the user's tenant
 * @param user     the user
 * @param labels   labels per task, at least one
 * @param split    {@link Split#SPLIT_TRAIN} or {@link Split#SPLIT_HOLDOUT}
 * @param sampleId the sample id, or null for the id the client derives from the recording
 */
record ProduceClip(
        Path file, String name, String tenant, String user, Map<String, Label> labels, Split split, String sampleId) {

    ProduceClip {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(user, "user");
        labels = Map.copyOf(labels);
        Objects.requireNonNull(split, "split");
    }

    /** {@code <tenant>/<user>}. */
    String key() {
        return tenant + "/" + user;
    }
}
