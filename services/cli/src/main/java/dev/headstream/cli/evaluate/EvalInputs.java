package dev.headstream.cli.evaluate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds the audio an evaluation reads: labeled clips from a folder ({@link #clipsFromDirectory})
 * or a CSV manifest ({@link #clipsFromManifest}), and long speech recordings
 * ({@link #speechFiles}). Every list is sorted, so runs over the same inputs see the same order.
 * Errors are {@link IllegalArgumentException}s naming the path and what is wrong. Stateless.
 */
public final class EvalInputs {

    /** File name endings read as audio inside folders (any file named directly is read). */
    public static final Set<String> AUDIO_EXTENSIONS = Set.of("wav", "wave", "flac", "mp3", "ogg", "aif", "aiff");

    private EvalInputs() {}

    /**
     * The clips of {@code dir}: {@code dir/<user>/positive/*.wav} and {@code dir/<user>/negative/*.wav}
     * for several users, or {@code dir/positive} and {@code dir/negative} for one user named after
     * {@code dir}. Hidden folders are skipped; a user folder with neither {@code positive} nor
     * {@code negative} is an error (a misspelt folder would otherwise drop clips silently).
     */
    public static List<LabeledClip> clipsFromDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--clips directory not found: " + dir);
        }
        List<LabeledClip> clips = new ArrayList<>();
        if (hasLabelFolder(dir)) {
            addUser(clips, dir, userName(dir), dir);
        } else {
            for (Path sub : list(dir)) {
                String name = sub.getFileName().toString();
                if (!Files.isDirectory(sub) || name.startsWith(".")) {
                    continue;
                }
                if (!hasLabelFolder(sub)) {
                    throw new IllegalArgumentException("--clips directory " + dir + ": user folder " + name
                            + " has neither positive/ nor negative/");
                }
                addUser(clips, dir, name, sub);
            }
        }
        if (clips.isEmpty()) {
            throw new IllegalArgumentException("no clips in " + dir + ": expected " + dir
                    + "/<user>/{positive,negative}/*.wav or " + dir + "/{positive,negative}/*.wav");
        }
        return clips;
    }

    /**
     * The clips listed in a CSV manifest with the header {@code file,user,label} (columns in any
     * order, more columns allowed; fields may be double-quoted), {@code label} {@code positive} or
     * {@code negative}, {@code file} relative to the manifest's folder unless absolute.
     */
    public static List<LabeledClip> clipsFromManifest(Path manifest) {
        if (!Files.isRegularFile(manifest)) {
            throw new IllegalArgumentException("--manifest file not found: " + manifest);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read manifest " + manifest + ": " + e.getMessage(), e);
        }
        Path base = manifest.toAbsolutePath().getParent();
        int fileCol = -1;
        int userCol = -1;
        int labelCol = -1;
        int width = 0;
        List<LabeledClip> clips = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line =
                    i == 0 && lines.get(i).startsWith("\uFEFF") ? lines.get(i).substring(1) : lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String where = "manifest " + manifest + " line " + (i + 1);
            List<String> fields = csv(line, where);
            if (width == 0) {
                List<String> header = fields.stream()
                        .map(f -> f.strip().toLowerCase(Locale.ROOT))
                        .toList();
                fileCol = header.indexOf("file");
                userCol = header.indexOf("user");
                labelCol = header.indexOf("label");
                if (fileCol < 0 || userCol < 0 || labelCol < 0) {
                    throw new IllegalArgumentException(
                            where + ": the header must name the columns file,user,label; got " + line.strip());
                }
                width = header.size();
                continue;
            }
            if (fields.size() != width) {
                throw new IllegalArgumentException(where + ": " + fields.size() + " fields, the header has " + width);
            }
            String file = fields.get(fileCol).strip();
            String user = fields.get(userCol).strip();
            String label = fields.get(labelCol).strip().toLowerCase(Locale.ROOT);
            if (!label.equals("positive") && !label.equals("negative")) {
                throw new IllegalArgumentException(where + ": label must be positive or negative, got '"
                        + fields.get(labelCol).strip() + "'");
            }
            checkUser(user, where);
            Path path = base.resolve(file);
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException(where + ": clip not found: " + path);
            }
            clips.add(new LabeledClip(user, label.equals("positive"), path, file));
        }
        if (clips.isEmpty()) {
            throw new IllegalArgumentException("manifest " + manifest + " lists no clips");
        }
        clips.sort(Comparator.comparing(LabeledClip::user)
                .thenComparing(c -> !c.positive())
                .thenComparing(LabeledClip::name));
        return clips;
    }

    /**
     * The speech recordings named by {@code paths}: a file as it is, a folder as every audio file
     * under it (recursively), sorted by path. Errors name the paths as {@code --speech}'s.
     */
    public static List<Path> speechFiles(List<Path> paths) {
        return speechFiles(paths, "--speech");
    }

    /**
     * {@link #speechFiles(List)}, errors naming the paths as {@code what} ({@code "--speech"},
     * {@code "audio"}); a missing relative path's error says which folder it was resolved against.
     */
    public static List<Path> speechFiles(List<Path> paths, String what) {
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isRegularFile(p)) {
                files.add(p);
            } else if (Files.isDirectory(p)) {
                List<Path> found;
                try (Stream<Path> walk = Files.walk(p)) {
                    found = walk.filter(Files::isRegularFile)
                            .filter(EvalInputs::isAudio)
                            .sorted(Comparator.comparing(Path::toString))
                            .toList();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + p + ": " + e.getMessage(), e);
                }
                if (found.isEmpty()) {
                    throw new IllegalArgumentException(what + " directory " + p + " holds no audio files (*.wav)");
                }
                files.addAll(found);
            } else {
                throw new IllegalArgumentException(notFound(what + " path", p));
            }
        }
        return files;
    }

    /**
     * "{@code what} not found: {@code path}", and for a relative path the folder it was resolved
     * against (the working directory).
     */
    public static String notFound(String what, Path path) {
        return what + " not found: " + path
                + (path.isAbsolute()
                        ? ""
                        : " (relative paths are resolved against " + Path.of("").toAbsolutePath() + ")");
    }

    /** The user names of {@code clips}, sorted, each once. */
    public static List<String> users(List<LabeledClip> clips) {
        return clips.stream().map(LabeledClip::user).distinct().sorted().toList();
    }

    /** Whether a file inside a folder is read as audio: not hidden, named {@code *.<one of AUDIO_EXTENSIONS>}. */
    public static boolean isAudio(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0
                && !name.startsWith(".")
                && AUDIO_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static boolean hasLabelFolder(Path dir) {
        return Files.isDirectory(dir.resolve("positive")) || Files.isDirectory(dir.resolve("negative"));
    }

    private static String userName(Path dir) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        if (name == null) {
            throw new IllegalArgumentException("--clips directory " + dir + " has no name to use as the user's");
        }
        return name.toString();
    }

    private static void addUser(List<LabeledClip> clips, Path root, String user, Path userDir) {
        checkUser(user, "--clips directory " + root);
        for (String label : List.of("positive", "negative")) {
            Path folder = userDir.resolve(label);
            if (!Files.isDirectory(folder)) {
                continue;
            }
            for (Path f : list(folder)) {
                if (Files.isRegularFile(f) && isAudio(f)) {
                    clips.add(new LabeledClip(
                            user,
                            label.equals("positive"),
                            f,
                            root.relativize(f).toString().replace('\\', '/')));
                }
            }
        }
    }

    private static void checkUser(String user, String where) {
        if (user.isEmpty() || user.contains("/")) {
            throw new IllegalArgumentException(where + ": user name '" + user + "' must be non-empty and hold no '/'");
        }
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Splits one CSV line; a field in double quotes may hold commas and doubled quotes.
     *
     * @param where names the line in the error of an unterminated quote
     */
    public static List<String> csv(String line, String where) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"' && field.toString().isBlank()) {
                field.setLength(0);
                quoted = true;
            } else if (c == ',') {
                out.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException(where + ": unterminated quoted field");
        }
        out.add(field.toString());
        return out;
    }
}
