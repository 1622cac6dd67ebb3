package dev.headstream.cli.produce;

import dev.headstream.cli.evaluate.EvalInputs;
import dev.headstream.client.SampleProducer;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Split;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The clips a manifest lists, in its order: a CSV file with a header, or JSON lines (one object
 * per line; files named {@code *.jsonl}, {@code *.ndjson} or {@code *.json}, or whose first line
 * starts with {@code {}).
 *
 * <p>Fields: {@code file} (required; relative to the manifest's folder unless absolute),
 * {@code tenant}, {@code user}, {@code split} ({@code train} or {@code holdout}), {@code sample_id},
 * and labels per task: in CSV, a column {@code label.<task>} per task and/or a column
 * {@code labels} with {@code task=value} pairs separated by {@code ;} ({@code wake=1;other=0}); in
 * JSON, an object {@code "labels": {"wake": 1}}; in both, a task name is not empty
 * ({@link ProduceLabels#task}). A field {@code label} ({@code positive} or {@code negative}, as in
 * {@code eval}'s manifests) labels the task {@code --task}. Label values:
 * {@link ProduceLabels#binary}. Any other column or top-level name is an error naming it, its
 * position and the known names, and the closest known name within {@value #SUGGEST_DISTANCE} edits
 * (a typo such as {@code splt} would otherwise send a holdout clip as train); a {@code label.<task>}
 * column is valid for any task name, so the command lists the tasks it labels. A JSON line nests at
 * most {@value JsonLine#MAX_DEPTH} deep. A field left out or empty
 * takes the command line's value ({@code --tenant}, {@code --user}, {@code --label},
 * {@code --split}); a sample id left out is derived from the recording. A file that is not there
 * is still listed (the command skips it, naming it); everything else wrong is an
 * {@link IllegalArgumentException} naming the manifest, the line and the problem, before anything
 * is sent.
 *
 * <p>Memory: the file is read a line at a time, but every clip is kept until the command has sent
 * them all, so that a mistake on the last line stops it before anything is sent. A clip keeps its
 * name as the manifest writes it and its line number; clips share the manifest's folder and equal
 * tenants, users and label sets. A line such as {@code clips/user12/clip-3456.wav,acme,user12,1,train,}
 * keeps about 130 bytes (measured: 200,000 such lines of 1,000 users, 25 MB of heap); sending adds
 * about 170 bytes per clip for the duplicate check ({@link SampleIds}). Each {@link #read} is
 * independent; the class holds no state between reads.
 */
final class ProduceManifest {

    /**
     * What the command line gives for the fields a row leaves out.
     *
     * @param tenant null when not given
     * @param user   null when not given
     * @param labels {@code --label}s, under the row's own
     * @param task   the task a {@code label} field labels
     */
    record Defaults(String tenant, String user, Map<String, Label> labels, String task, Split split) {}

    /** The fields read besides the labels; any other name is an error. */
    private static final Set<String> FIELDS = Set.of("file", "tenant", "user", "split", "sample_id", "label");

    /** The names a CSV header may use, in the order error messages list them. */
    private static final List<String> KNOWN =
            List.of("file", "tenant", "user", "split", "sample_id", "label", "labels", "label.<task>");

    /** The names a JSON line may use. */
    private static final List<String> KNOWN_JSON = KNOWN.subList(0, KNOWN.size() - 1);

    /** The most edits between an unknown name and the known name an error suggests. */
    static final int SUGGEST_DISTANCE = 2;

    private static final String LABEL_PREFIX = "label.";

    private final Path manifest;
    private final Path base;
    private final Defaults defaults;
    private final List<ProduceClip> clips = new ArrayList<>();
    private final Map<Object, Object> shared = new HashMap<>();
    /** Null until the first line that is not blank decides, unless the file's name does. */
    private Boolean json;
    /** A CSV manifest's columns, once its header is read. */
    private List<String> header;

    private ProduceManifest(Path manifest, Defaults defaults) {
        this.manifest = manifest;
        this.base = manifest.toAbsolutePath().getParent();
        this.defaults = defaults;
        this.json = namedJson(manifest) ? Boolean.TRUE : null;
    }

    static List<ProduceClip> read(Path manifest, Defaults defaults) {
        if (!Files.isRegularFile(manifest)) {
            throw new IllegalArgumentException("--manifest file not found: " + manifest);
        }
        ProduceManifest reader = new ProduceManifest(manifest, defaults);
        try (BufferedReader in = Files.newBufferedReader(manifest, StandardCharsets.UTF_8)) {
            int number = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                number++;
                if (number == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (!line.isBlank()) {
                    reader.line(line, number);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read manifest " + manifest + ": " + e.getMessage(), e);
        }
        if (reader.clips.isEmpty()) {
            throw new IllegalArgumentException("manifest " + manifest + " lists no clips");
        }
        return reader.clips;
    }

    private void line(String line, int number) {
        String where = "manifest " + manifest + " line " + number;
        if (json == null) {
            json = line.strip().startsWith("{");
        }
        if (json) {
            json(line, where, number);
        } else {
            csv(line, where, number);
        }
    }

    private static boolean namedJson(Path manifest) {
        String name = manifest.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json");
    }

    private void csv(String line, String where, int number) {
        List<String> fields = EvalInputs.csv(line, where);
        if (header == null) {
            header = fields.stream().map(String::strip).toList();
            List<String> lower =
                    header.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
            if (!lower.contains("file")) {
                throw new IllegalArgumentException(where + ": the header must name a column file (and may name"
                        + " tenant, user, split, sample_id, labels, label.<task>); got " + line.strip());
            }
            if (lower.stream().distinct().count() != lower.size()) {
                throw new IllegalArgumentException(where + ": a column is named twice: " + line.strip());
            }
            for (int c = 0; c < lower.size(); c++) {
                String name = lower.get(c);
                if (!FIELDS.contains(name) && !name.equals("labels") && !name.startsWith(LABEL_PREFIX)) {
                    throw unknown(
                            where + ": unknown column '" + header.get(c) + "' (column " + (c + 1) + ")", name, KNOWN);
                }
            }
            return;
        }
        if (fields.size() != header.size()) {
            throw new IllegalArgumentException(
                    where + ": " + fields.size() + " fields, the header has " + header.size());
        }
        Map<String, String> row = new LinkedHashMap<>();
        Map<String, Label> labels = new LinkedHashMap<>();
        for (int c = 0; c < header.size(); c++) {
            String column = header.get(c);
            String value = fields.get(c);
            String lower = column.toLowerCase(Locale.ROOT);
            if (lower.startsWith("label.")) {
                String task = ProduceLabels.task(column.substring("label.".length()), where + ", column " + column);
                Label l = ProduceLabels.binary(value, where + ", column " + column);
                if (l != null) {
                    putAll(labels, Map.of(task, l), where);
                }
            } else if (lower.equals("labels")) {
                putAll(labels, ProduceLabels.pairs(Arrays.asList(value.split(";")), where + ", column labels"), where);
            } else {
                row.put(lower, value.strip());
            }
        }
        clips.add(clip(row, labels, where, number));
    }

    private void json(String line, String where, int number) {
        Map<String, Object> object = JsonLine.object(line, where);
        Map<String, String> row = new LinkedHashMap<>();
        Map<String, Label> labels = new LinkedHashMap<>();
        int key = 0;
        for (Map.Entry<String, Object> e : object.entrySet()) {
            key++;
            String name = e.getKey();
            Object value = e.getValue();
            if (name.equals("labels")) {
                if (value == null) {
                    continue;
                }
                if (!(value instanceof Map<?, ?> m)) {
                    throw new IllegalArgumentException(where + ": \"labels\" must be an object such as {\"wake\": 1}");
                }
                for (Map.Entry<?, ?> l : m.entrySet()) {
                    String at = where + ", labels." + l.getKey();
                    String task = ProduceLabels.task((String) l.getKey(), at);
                    if (l.getValue() != null && !(l.getValue() instanceof String)) {
                        throw new IllegalArgumentException(at + ": a label is 1, 0, true or false");
                    }
                    Label label = l.getValue() == null ? null : ProduceLabels.binary((String) l.getValue(), at);
                    if (label != null) {
                        putAll(labels, Map.of(task, label), where);
                    }
                }
            } else if (!FIELDS.contains(name)) {
                throw unknown(
                        where + ": unknown name \"" + name + "\" (key " + key + " of the line)", name, KNOWN_JSON);
            } else if (value instanceof String s) {
                row.put(name, s.strip());
            } else if (value != null) {
                throw new IllegalArgumentException(where + ": \"" + name + "\" must be a string or a number");
            }
        }
        clips.add(clip(row, labels, where, number));
    }

    private ProduceClip clip(Map<String, String> row, Map<String, Label> own, String where, int number) {
        String file = row.getOrDefault("file", "");
        if (file.isEmpty()) {
            throw new IllegalArgumentException(where + ": no file");
        }
        String tenant = orDefault(row.get("tenant"), defaults.tenant());
        String user = orDefault(row.get("user"), defaults.user());
        if (tenant == null || user == null) {
            throw new IllegalArgumentException(where + ": no " + (tenant == null ? "tenant" : "user")
                    + " (a column " + (tenant == null ? "tenant" : "user") + ", or --"
                    + (tenant == null ? "tenant" : "user") + ")");
        }
        try {
            SampleProducer.key(tenant, user);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        Map<String, Label> labels = new LinkedHashMap<>(defaults.labels());
        Label eval = ProduceLabels.binary(row.getOrDefault("label", ""), where + ", label");
        if (eval != null) {
            if (own.containsKey(defaults.task())) {
                throw new IllegalArgumentException(
                        where + ": label and the labels of task " + defaults.task() + " both label it; give one");
            }
            labels.put(defaults.task(), eval);
        }
        labels.putAll(own);
        if (labels.isEmpty()) {
            throw new IllegalArgumentException(
                    where + ": " + file + " has no label (label.<task>, labels, or" + " --label TASK=VALUE)");
        }
        Split split = ProduceLabels.split(row.getOrDefault("split", ""), defaults.split(), where);
        String id = row.getOrDefault("sample_id", "");
        if (id.length() > SampleProducer.MAX_SAMPLE_ID_CHARS) {
            throw new IllegalArgumentException(where + ": sample_id has " + id.length() + " characters; at most "
                    + SampleProducer.MAX_SAMPLE_ID_CHARS + " are accepted");
        }
        return new ProduceClip(
                base,
                file,
                number,
                shared(tenant),
                shared(user),
                shared(Map.copyOf(labels)),
                split,
                id.isEmpty() ? null : id);
    }

    /** One instance of each equal tenant, user and label set, so that clips share them. */
    @SuppressWarnings("unchecked")
    private <T> T shared(T value) {
        return (T) shared.computeIfAbsent(value, v -> v);
    }

    private static void putAll(Map<String, Label> into, Map<String, Label> more, String where) {
        for (Map.Entry<String, Label> e : more.entrySet()) {
            if (into.put(e.getKey(), e.getValue()) != null) {
                throw new IllegalArgumentException(where + ": task " + e.getKey() + " is labeled twice");
            }
        }
    }

    /** An unknown name's error: the known names, and the closest within {@value #SUGGEST_DISTANCE} edits. */
    private static IllegalArgumentException unknown(String problem, String name, List<String> names) {
        String lower = name.strip().toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = SUGGEST_DISTANCE + 1;
        for (String known : names) {
            String candidate = known;
            String compared = lower;
            if (known.equals("label.<task>")) {
                int dot = lower.indexOf('.');
                if (dot < 0) {
                    continue;
                }
                // lable.wake, labels.wake: compare the part before the dot with "label"
                candidate = LABEL_PREFIX + lower.substring(dot + 1);
                compared = lower.substring(0, dot + 1);
                int d = distance(compared, LABEL_PREFIX);
                if (d < bestDistance) {
                    best = candidate;
                    bestDistance = d;
                }
                continue;
            }
            int d = distance(compared, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return new IllegalArgumentException(problem + (best == null ? "." : "; did you mean '" + best + "'?")
                + " Known: " + String.join(", ", names));
    }

    /** The Levenshtein distance between two names: insertions, deletions and substitutions. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }
}
