package dev.headstream.runtime.onnx;

import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.head.SourceHead;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Where a binary task's source head comes from, in one place: the engine builds it here from the
 * task's configuration, and every consumer rebuilds it here from a head record's provenance id and
 * the models directory alone.
 *
 * <ul>
 *   <li>A pre-trained head: the file {@code <id>.onnx} in the models directory (its id is the file
 *       name without {@code .onnx}).
 *   <li>A fresh start ({@code source-head=fresh:<seed>}): {@link SourceHead#initialized} with
 *       {@link SourceHead.Init#RANDOM} from the seed, with the head architecture of a template file
 *       in the models directory ({@code architecture-of}). Its id is
 *       {@code fresh:<seed>:<template stem>}, e.g. {@code fresh:7:hey_jarvis_v0.1}, so that it names
 *       everything needed to rebuild the same bits; the ONNX input/output interface an export uses
 *       is the template's.
 * </ul>
 *
 * Stateless and thread-safe.
 */
public final class SourceHeads {

    private static final String ONNX = ".onnx";
    private static final String ENGINE_HINT = "set headstream.models-dir";
    private static final String CONSUMER_HINT = "set --models-dir";

    private SourceHeads() {}

    /**
     * A source head with the ONNX model whose input/output interface an export of its heads keeps
     * ({@link OnnxHeadExporter.ModelInterface#of}): the source file's bytes, or for a fresh start the
     * template's.
     *
     * @param head           the source head
     * @param interfaceModel the ONNX bytes whose interface an export takes
     * @param file           the file those bytes were read from
     */
    public record Resolved(SourceHead head, byte[] interfaceModel, Path file) {}

    /** The id of a fresh start from {@code seed} with the architecture of {@code templateFile}: {@code fresh:<seed>:<stem>}. */
    public static String freshId(long seed, String templateFile) {
        if (!templateFile.endsWith(ONNX) || templateFile.length() == ONNX.length()) {
            throw new IllegalArgumentException("a fresh start takes its architecture from an .onnx file in the models"
                    + " directory, so that a consumer can find it again by name; got '" + templateFile + "'");
        }
        return SourceHead.FRESH_PREFIX + seed + ":" + templateFile.substring(0, templateFile.length() - ONNX.length());
    }

    /**
     * The source head of binary task {@code task} ({@link EngineSpec.TaskSpec#fresh()} or a file).
     *
     * @throws IllegalArgumentException if a file is missing or is not a head this project imports
     * @throws UncheckedIOException     if a file cannot be read
     */
    public static Resolved forTask(EngineSpec.TaskSpec task, Path modelsDir) {
        if (task.fresh()) {
            return fresh(task.seed(), task.architectureOf().orElseThrow(), modelsDir, task.sourceHead(), ENGINE_HINT);
        }
        Path file = inModels(modelsDir, task.sourceHead(), "source head " + task.sourceHead(), false);
        try {
            byte[] bytes = Files.readAllBytes(file);
            String name = file.getFileName().toString();
            String id = name.endsWith(ONNX) ? name.substring(0, name.length() - ONNX.length()) : name;
            return new Resolved(OnnxHeadImporter.importHead(id, bytes), bytes, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read source head " + file, e);
        }
    }

    /**
     * The source head a head record names by {@code sourceId} (its provenance's
     * {@code source_head_id}), rebuilt from {@code modelsDir} alone. The caller still checks the
     * record's {@code source_head_sha256} against it ({@code HeadCodec.decode} does).
     *
     * @throws IllegalArgumentException if the id is empty or malformed, or the file it needs is
     *                                  missing or not a head; the message names the file and says to
     *                                  set the models directory
     * @throws UncheckedIOException     if the file cannot be read
     */
    public static Resolved resolve(String sourceId, Path modelsDir) {
        return resolve(sourceId, modelsDir, null);
    }

    /** {@link #resolve(String, Path)} for the head {@code headId}, which the messages name (null: none). */
    public static Resolved resolve(String sourceId, Path modelsDir, String headId) {
        String of = headId == null ? "" : " for " + headId;
        if (sourceId.isEmpty()) {
            throw new IllegalArgumentException("the head record" + of + " names no source head");
        }
        if (!sourceId.startsWith(SourceHead.FRESH_PREFIX)) {
            return imported(
                    sourceId,
                    inModels(modelsDir, sourceId + ONNX, "source head id '" + sourceId + "'" + of, true),
                    "source head model" + of,
                    CONSUMER_HINT);
        }
        int colon = sourceId.indexOf(':', SourceHead.FRESH_PREFIX.length());
        long seed;
        try {
            seed = Long.parseLong(sourceId.substring(SourceHead.FRESH_PREFIX.length(), colon < 0 ? 0 : colon));
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException(
                    "source head id '" + sourceId + "' is not a fresh start fresh:<seed>:<template stem>", e);
        }
        if (colon + 1 == sourceId.length()) {
            throw new IllegalArgumentException(
                    "source head id '" + sourceId + "' names no template: fresh:<seed>:<template stem>");
        }
        return fresh(seed, sourceId.substring(colon + 1) + ONNX, modelsDir, sourceId + of, CONSUMER_HINT);
    }

    private static Resolved fresh(long seed, String templateFile, Path modelsDir, String what, String hint) {
        String id = freshId(seed, templateFile);
        Resolved template = imported(
                id.substring(id.lastIndexOf(':') + 1),
                inModels(modelsDir, templateFile, "template of the fresh start " + what, true),
                "template of the fresh start " + what
                        + " (the file whose head architecture and ONNX interface it takes)",
                hint);
        SourceHead head = SourceHead.initialized(id, template.head().architecture(), SourceHead.Init.RANDOM, seed);
        return new Resolved(head, template.interfaceModel(), template.file());
    }

    /**
     * {@code name} resolved in {@code modelsDir}, refused if it leads out of it: ids come from head
     * records on a topic (and from configuration), and must not reach files elsewhere.
     *
     * @param direct whether {@code name} must be a file directly in the directory (an id's file: a
     *               consumer finds it by name), not in a folder below it
     */
    private static Path inModels(Path modelsDir, String name, String what, boolean direct) {
        Path dir = modelsDir.toAbsolutePath().normalize();
        Path file;
        try {
            file = dir.resolve(name).normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(what + " is not a file name: '" + name + "'", e);
        }
        boolean bare = !name.contains("/") && !name.contains("\\") && dir.equals(file.getParent());
        if (!file.startsWith(dir) || file.equals(dir) || (direct && !bare)) {
            throw new IllegalArgumentException(what + " names '" + name + "', which is not a file "
                    + (direct ? "directly " : "") + "in the models directory " + dir + ": refused");
        }
        return modelsDir.resolve(name);
    }

    private static Resolved imported(String id, Path file, String what, String hint) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(what + " not found: " + file + " (" + hint + ")");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        try {
            return new Resolved(OnnxHeadImporter.importHead(id, bytes), bytes, file);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot import " + what + " " + file + ": " + e.getMessage(), e);
        }
    }
}
