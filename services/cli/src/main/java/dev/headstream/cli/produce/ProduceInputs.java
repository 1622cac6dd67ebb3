package dev.headstream.cli.produce;

import dev.headstream.cli.evaluate.EvalInputs;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Split;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The clips named on the command line, all of one user: a file as it is; a folder as every audio
 * file under it ({@link EvalInputs#isAudio}), sorted by path. A folder holding {@code positive/}
 * or {@code negative/} (the layout of {@code eval --clips} for one user) labels each clip under
 * it for the task {@code --task} by the folder it is in, and may hold no audio outside them.
 * Errors are {@link IllegalArgumentException}s naming the path and what is wrong. Stateless.
 */
final class ProduceInputs {

    private ProduceInputs() {}

    /**
     * @param labels labels of every clip ({@code --label}); with label folders, for other tasks
     *               than {@code task}
     * @param task   the task that {@code positive/} and {@code negative/} label
     */
    static List<ProduceClip> fromPaths(
            List<Path> paths, String tenant, String user, Map<String, Label> labels, String task, Split split) {
        List<ProduceClip> clips = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isRegularFile(p)) {
                clips.add(clip(p.toString(), tenant, user, labels, split));
            } else if (Files.isDirectory(p)) {
                List<Path> found = audioUnder(p);
                if (found.isEmpty()) {
                    throw new IllegalArgumentException("folder " + p + " holds no audio files (*.wav, *.flac, ...)");
                }
                boolean labelFolders = Files.isDirectory(p.resolve(ProduceLabels.POSITIVE))
                        || Files.isDirectory(p.resolve(ProduceLabels.NEGATIVE));
                if (labelFolders && labels.containsKey(task)) {
                    throw new IllegalArgumentException("--label " + task + "=... and the folders " + p
                            + "/positive and " + p + "/negative both label task " + task + "; give one of them");
                }
                for (Path f : found) {
                    String name = p.resolve(p.relativize(f)).toString();
                    if (!labelFolders) {
                        clips.add(clip(name, tenant, user, labels, split));
                        continue;
                    }
                    String folder = p.relativize(f).getName(0).toString();
                    if (!folder.equals(ProduceLabels.POSITIVE) && !folder.equals(ProduceLabels.NEGATIVE)) {
                        throw new IllegalArgumentException("folder " + p + " has positive/ or negative/ folders, but "
                                + name + " is in neither; move it into one of them");
                    }
                    Map<String, Label> withFolder = new LinkedHashMap<>(labels);
                    withFolder.put(
                            task,
                            Label.newBuilder()
                                    .setBinary(folder.equals(ProduceLabels.POSITIVE))
                                    .build());
                    clips.add(clip(name, tenant, user, withFolder, split));
                }
            } else {
                throw new IllegalArgumentException(
                        "path not found: " + p + (p.isAbsolute() ? "" : " (resolved to " + p.toAbsolutePath() + ")"));
            }
        }
        if (clips.isEmpty()) {
            throw new IllegalArgumentException("no clips: name WAV files or folders, or give --manifest");
        }
        return clips;
    }

    private static ProduceClip clip(String name, String tenant, String user, Map<String, Label> labels, Split split) {
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("no label for " + name
                    + ": give --label TASK=VALUE (e.g. --label wake=1), or put the clips in DIR/positive and"
                    + " DIR/negative and name DIR");
        }
        return new ProduceClip(null, name, 0, tenant, user, labels, split, null);
    }

    /** Every audio file under {@code dir}, sorted by its path relative to {@code dir}. */
    private static List<Path> audioUnder(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(EvalInputs::isAudio)
                    .sorted(Comparator.comparing(f -> dir.relativize(f).toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException(
                    "cannot list " + dir + ": " + e.getCause().getMessage(), e.getCause());
        }
    }
}
