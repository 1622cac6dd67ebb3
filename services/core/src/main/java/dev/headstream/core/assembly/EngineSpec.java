package dev.headstream.core.assembly;

import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.adapt.state.DedupWindow;
import dev.headstream.core.adapt.task.AlarmAction;
import dev.headstream.core.adapt.task.AlarmPolicy;
import dev.headstream.core.adapt.task.BankTraining;
import dev.headstream.core.adapt.task.ClassRecipe;
import dev.headstream.core.adapt.task.HeadRecipe;
import dev.headstream.core.embed.ClipPooling;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.ingest.WakePhrase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Everything that decides what an adaptation engine computes, read from the {@code headstream.*}
 * properties. The adapter, {@code replay} and the tools build their engines from one of these, so a
 * replay checks exactly what the adapter ran. Defaults live here and in the domain types they name
 * ({@link HeadRecipe#wakeWordDefault()}, {@link BankTraining#defaults()},
 * {@link AlarmPolicy#DEFAULT_ALARM_ACTION}), nowhere else.
 *
 * <p>Keys (relative to {@code headstream.}): {@code models-dir}, {@code max-sample-bytes},
 * {@code dedup-window}, {@code publish-every}, {@code max-resident-users}, {@code workers}, {@code backbone.*}, {@code negative-bank.*},
 * {@code online-rehearsal.*}, {@code rate-limit.*} and {@code tasks.<name>.*}; see
 * {@link #keys(Set)}. Other {@code headstream.} keys belong to the process that runs the engine
 * (for example the adapter's {@code instance-id}) and are ignored here. The engine always runs the
 * task {@value #DEFAULT_TASK}, from {@value #DEFAULT_SOURCE_HEAD} unless its {@code source-head} says
 * otherwise, beside any other task named by a {@code tasks.<name>.*} key (each of which must name its
 * source head); {@code tasks.wake.source-head=none} removes it. A binary task's source head is a file
 * in the models directory, or {@code fresh:<seed>}: a fresh He-random head drawn from the seed, with
 * the architecture of the file {@code tasks.<name>.architecture-of} names ({@value #DEFAULT_ARCHITECTURE_OF}
 * by default; the key applies only to a fresh start, and is a bare file name). A fresh start needs the
 * negative bank, and a task's {@code phrase} the audio backbone ({@link BackboneKind#WAKEWORD}).
 *
 * @param modelsDir       the verified models
 * @param backbone        the frozen backbone
 * @param negativeBank    the negative bank every task trains and calibrates against
 * @param maxSampleBytes  largest accepted sample record value, checked before parsing
 * @param dedupWindow     recent sample ids remembered per user to drop producer retries
 * @param publishEvery    training samples applied between published versions (1 = every batch)
 * @param maxResidentUsers most users whose state one engine holds in memory; new users beyond it are
 *                        rejected {@code CAPACITY}
 * @param workers         threads a batch's samples are embedded, trained and published on (0 = one per
 *                        core); the outputs are the same for any number
 * @param onlineRehearsal users' own training negatives shared as rehearsal among the users of the
 *                        tenants that opt in (off by default)
 * @param rateLimit       per-user rate limit on applied samples (off by default)
 * @param tasks           the binary tasks by name, in a stable order
 * @param classTasks      the class tasks (multi-class, multi-label: {@code tasks.<name>.kind}) by name, in a
 *                        stable order; no name is also a binary task's
 */
public record EngineSpec(
        Path modelsDir,
        BackboneSpec backbone,
        BankSpec negativeBank,
        int maxSampleBytes,
        int dedupWindow,
        int publishEvery,
        int maxResidentUsers,
        int workers,
        AdaptationEngine.OnlineRehearsal onlineRehearsal,
        RateLimit rateLimit,
        Map<String, TaskSpec> tasks,
        Map<String, ClassRecipe> classTasks) {

    /** The prefix of every key. */
    public static final String PREFIX = "headstream.";

    /** The task an engine runs when no {@code tasks.*} key is given. */
    public static final String DEFAULT_TASK = "wake";

    /** The {@code source-head} that removes the default task: {@code headstream.tasks.wake.source-head=none}. */
    public static final String NO_SOURCE_HEAD = "none";

    /**
     * Default of {@code max-resident-users}: what fits a 2 GiB heap beside the shared models and
     * the default negative bank with room for a restore (see docs/configuration.md for the arithmetic).
     */
    public static final int DEFAULT_MAX_RESIDENT_USERS = 1000;

    /** The default task's source head file in the models directory. */
    public static final String DEFAULT_SOURCE_HEAD = "hey_jarvis_v0.1.onnx";

    /** The default {@code architecture-of} of a fresh start: the file whose head architecture and ONNX interface it takes. */
    public static final String DEFAULT_ARCHITECTURE_OF = DEFAULT_SOURCE_HEAD;

    /** Which frozen backbone embeds the samples. */
    public enum BackboneKind {
        /** openWakeWord's melspectrogram + embedding models (PCM16 audio samples). */
        WAKEWORD,
        /** Any single ONNX model with one float input and output (float-tensor samples). */
        ONNX
    }

    /**
     * The frozen backbone.
     *
     * @param kind       which backbone
     * @param model      for {@link BackboneKind#ONNX}: the model file inside the models directory
     * @param threads    ONNX Runtime intra-op threads per run (0 = the runtime's default)
     * @param cuda       try the CUDA execution provider (falls back to the CPU)
     * @param cudaDevice the CUDA device
     * @param maxSeconds longest accepted clip, seconds
     */
    public record BackboneSpec(
            BackboneKind kind, Optional<String> model, int threads, boolean cuda, int cudaDevice, double maxSeconds) {}

    /**
     * The negative bank.
     *
     * @param enabled   train against the bank and set thresholds in false accepts per hour on it
     * @param directory the bank's directory; empty = {@code <models-dir>/negative-bank}
     */
    public record BankSpec(boolean enabled, Optional<Path> directory) {

        /** The bank's directory for models in {@code modelsDir}. */
        public Path resolve(Path modelsDir) {
            return directory.orElse(modelsDir.resolve("negative-bank"));
        }
    }

    /**
     * One task: one head per user.
     *
     * @param sourceHead                the source head's ONNX file inside the models directory, or
     *                                  {@code fresh:<seed>} ({@link SourceHead#FRESH_PREFIX}): a fresh He-random head
     *                                  drawn from the seed
     * @param recipe                    how heads are trained and calibrated
     * @param onNegativeTransfer        what a head does when its negative-transfer test alarms
     * @param targetFalseAcceptsPerHour false accepts per hour the per-user threshold allows
     * @param bank                      how the task trains against the negative bank
     * @param rehearsalSet              a length-delimited {@code headstream.v1.Sample} file of other
     *                                  speakers' negatives (the operator's reference set), if any
     * @param architectureOf            for a fresh start only: the ONNX file in the models directory
     *                                  whose head architecture and input/output interface the fresh head
     *                                  takes; empty for a pre-trained source head
     */
    public record TaskSpec(
            String sourceHead,
            HeadRecipe recipe,
            AlarmAction onNegativeTransfer,
            double targetFalseAcceptsPerHour,
            BankTraining bank,
            Optional<Path> rehearsalSet,
            Optional<String> architectureOf,
            Optional<NearMissSpec> nearMisses) {

        public TaskSpec {
            if (isFresh(sourceHead) != architectureOf.isPresent()) {
                throw new IllegalArgumentException("a task names the file whose architecture it takes exactly when it"
                        + " starts fresh: source-head " + sourceHead + ", architecture-of " + architectureOf);
            }
            if (isFresh(sourceHead)) {
                freshStartSeed(sourceHead);
            }
        }

        /** Whether users start from a fresh, seeded head ({@code source-head=fresh:<seed>}) rather than a pre-trained one. */
        public boolean fresh() {
            return isFresh(sourceHead);
        }

        /**
         * The seed of a fresh start.
         *
         * @throws IllegalStateException if the task starts from a pre-trained head
         */
        public long seed() {
            if (!fresh()) {
                throw new IllegalStateException("task starts from " + sourceHead + ", not from a fresh head");
            }
            return freshStartSeed(sourceHead);
        }
    }

    /**
     * What a fresh start's heads do on a negative-transfer alarm unless configured: back to the last
     * good version. Rolling back to the start (the default's probation) would leave a user who enrolled
     * a new phrase with no detector: the start is none.
     */
    public static final AlarmAction FRESH_ALARM_ACTION = AlarmAction.ROLLBACK_LAST_GOOD;

    /**
     * Where a fresh start's threshold sits between its highest negative and its lowest replayed
     * positive unless configured (the pre-trained default is {@code HeadRecipe.wakeWordDefault()}'s
     * 0.75). A head trained from nothing on a handful of clips scores its own clips far above the
     * user's next ones, so its lowest replayed positive overstates where new clips land; the threshold
     * still sits above every calibration step that would activate. Chosen on a development population
     * of the own-word demo (seed 44, fresh:9) among 0.75, 0.55, 0.4 and 0.2, and reported on the
     * demo's own two populations (docs/own-word/README.md).
     */
    public static final float FRESH_THRESHOLD_POSITION = 0.55f;

    private static boolean isFresh(String sourceHead) {
        return sourceHead.startsWith(SourceHead.FRESH_PREFIX);
    }

    /** The seed of a binary task's {@code fresh:<seed>}: a long. */
    private static long freshStartSeed(String sourceHead) {
        String seed = sourceHead.substring(SourceHead.FRESH_PREFIX.length()).trim();
        try {
            return Long.parseLong(seed);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "a fresh start is fresh:<seed> with a whole number (a long) as its seed, not '" + seed + "'", e);
        }
    }

    /**
     * The near-miss negatives the service synthesizes for a task's wake phrase ({@code phrase} and
     * the {@code near-miss-*} keys): {@code count} clips of phrases one phoneme away, spoken by
     * {@code voices} (espeak-ng), drawn with {@code seed}.
     */
    public record NearMissSpec(String phrase, int count, List<String> voices, long seed) {

        /**
         * The {@code phrase} value of a task whose phrase is per user: each user's samples name it
         * ({@code Sample.phrase}), and the adapter synthesizes each phrase's near misses when a head
         * first needs them.
         */
        public static final String PER_USER = "per-user";

        /** Default number of near-miss clips (the own-word measurement's, docs/own-word). */
        public static final int DEFAULT_COUNT = 24;

        /** The most near-miss clips a task may synthesize (each is remembered by every head that learns it). */
        public static final int MAX_COUNT = 256;

        /** The longest phrase accepted, in characters. */
        public static final int MAX_PHRASE_CHARS = WakePhrase.MAX_CHARS;

        public NearMissSpec {
            voices = List.copyOf(voices);
        }

        /** Whether each user names the phrase in their samples ({@link #PER_USER}). */
        public boolean perUser() {
            return PER_USER.equals(phrase);
        }
    }

    /** Checks the cross-field rules. */
    public EngineSpec {
        if (tasks.isEmpty() && classTasks.isEmpty()) {
            throw new IllegalArgumentException("no task configured: set " + PREFIX + "tasks.<name>.source-head");
        }
        for (String name : classTasks.keySet()) {
            if (tasks.containsKey(name)) {
                throw new IllegalArgumentException("task '" + name + "' is both a binary and a class task");
            }
        }
        if (maxSampleBytes < 1 || dedupWindow < 0 || publishEvery < 1) {
            throw new IllegalArgumentException("max-sample-bytes and publish-every must be at least 1 and dedup-window"
                    + " at least 0: " + maxSampleBytes + ", " + publishEvery + ", " + dedupWindow);
        }
        if (dedupWindow > DedupWindow.MAX_CAPACITY) {
            throw new IllegalArgumentException(
                    PREFIX + "dedup-window must be at most " + DedupWindow.MAX_CAPACITY + ": " + dedupWindow);
        }
        if (maxResidentUsers < 1) {
            throw new IllegalArgumentException(PREFIX + "max-resident-users must be at least 1: " + maxResidentUsers);
        }
        if (workers < 0 || workers > AdaptationEngine.MAX_WORKERS) {
            throw new IllegalArgumentException(
                    PREFIX + "workers must be 0 (one per core) to " + AdaptationEngine.MAX_WORKERS + ": " + workers);
        }
        tasks = Collections.unmodifiableMap(new LinkedHashMap<>(tasks));
        classTasks = Collections.unmodifiableMap(new LinkedHashMap<>(classTasks));
    }

    /** Every task's name, binary and class, in name order. */
    public Set<String> taskNames() {
        Set<String> names = new TreeSet<>(tasks.keySet());
        names.addAll(classTasks.keySet());
        return Collections.unmodifiableSet(names);
    }

    /** This specification with {@code maxResidentUsers} instead. */
    public EngineSpec withMaxResidentUsers(int maxResidentUsers) {
        return new EngineSpec(
                modelsDir,
                backbone,
                negativeBank,
                maxSampleBytes,
                dedupWindow,
                publishEvery,
                maxResidentUsers,
                workers,
                onlineRehearsal,
                rateLimit,
                tasks,
                classTasks);
    }

    /** The specification of an engine with every default, over the models in {@code modelsDir}. */
    public static EngineSpec defaults(Path modelsDir) {
        return fromProperties(Map.of(PREFIX + "models-dir", modelsDir.toString()));
    }

    /**
     * Reads a specification from {@code headstream.*} properties; missing keys take their defaults.
     *
     * @throws IllegalArgumentException naming the key, for a value that does not parse, an unknown
     *                                  key under an engine prefix, or a task without a source head
     */
    public static EngineSpec fromProperties(Map<String, String> properties) {
        Set<String> tasks = taskNames(properties.keySet());
        Set<String> known = keys(tasks);
        List<String> unknown = new ArrayList<>();
        for (String key : new TreeSet<>(properties.keySet())) {
            if (ownsKey(key) && !known.contains(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            List<String> named = new ArrayList<>();
            for (String key : unknown) {
                named.add(
                        REPLACED.containsKey(key)
                                ? key + " (" + REPLACED.get(key) + ")"
                                : closest(key, known)
                                        .map(k -> key + " (did you mean " + k + "?)")
                                        .orElse(key));
            }
            throw new IllegalArgumentException(
                    "unknown engine properties " + named + "; every engine key is listed in docs/configuration.md");
        }
        Reader r = new Reader(properties);
        Path modelsDir = Path.of(r.string("models-dir", ".models"));
        BackboneSpec backbone = new BackboneSpec(
                r.parse("backbone.kind", BackboneKind.WAKEWORD, EngineSpec::backboneKind),
                r.optional("backbone.model"),
                r.integer("backbone.threads", 1),
                r.bool("backbone.cuda", false),
                r.integer("backbone.cuda-device", 0),
                r.decimal("backbone.max-seconds", 10));
        BankSpec bank = new BankSpec(
                r.bool("negative-bank.enabled", true),
                r.optional("negative-bank.directory").map(Path::of));
        int onlineCapacity = r.integer("online-rehearsal.capacity", 0);
        AdaptationEngine.OnlineRehearsal online = new AdaptationEngine.OnlineRehearsal(
                onlineCapacity,
                r.set("online-rehearsal.tenants"),
                r.integer("online-rehearsal.max-per-user", defaultMaxPerUser(onlineCapacity)));
        RateLimit rateLimit =
                new RateLimit(r.decimal("rate-limit.samples-per-minute", 0), r.decimal("rate-limit.burst", 60));
        Map<String, TaskSpec> taskSpecs = new LinkedHashMap<>();
        Map<String, ClassRecipe> classSpecs = new LinkedHashMap<>();
        Set<String> named = new TreeSet<>(tasks);
        named.add(DEFAULT_TASK);
        for (String name : named) {
            Reader t = r.in("tasks." + name + ".");
            TaskKind.Type kind = t.parse("kind", TaskKind.Type.BINARY, EngineSpec::taskKind);
            if (kind != TaskKind.Type.BINARY) {
                classSpecs.put(name, classTask(t, kind, properties));
                continue;
            }
            for (String classOnly : CLASS_ONLY_KEYS) {
                if (t.optional(classOnly).isPresent()) {
                    throw new IllegalArgumentException(t.prefix() + classOnly + " applies to class tasks only; set "
                            + t.prefix() + "kind to multi-class or multi-label, or remove it");
                }
            }
            Optional<String> source = t.optional("source-head");
            if (name.equals(DEFAULT_TASK)) {
                if (source.filter(NO_SOURCE_HEAD::equals).isPresent()) {
                    continue;
                }
                source = source.or(() -> Optional.of(DEFAULT_SOURCE_HEAD));
            }
            TaskSpec spec = task(
                    t,
                    source.orElseThrow(() -> new IllegalArgumentException("task '" + name + "' has no source head: set "
                            + PREFIX + "tasks." + name + ".source-head")));
            checkAgainstEngine(name, t, spec, backbone, bank);
            taskSpecs.put(name, spec);
        }
        return new EngineSpec(
                modelsDir,
                backbone,
                bank,
                r.integer("max-sample-bytes", 1 << 20),
                r.integer("dedup-window", 4096),
                r.integer("publish-every", 1),
                r.integer("max-resident-users", DEFAULT_MAX_RESIDENT_USERS),
                r.integer("workers", 0),
                online,
                rateLimit,
                taskSpecs,
                classSpecs);
    }

    /**
     * Every key this specification reads, with the prefix, for the given task names.
     *
     * @param tasks task names (the {@code <name>} of {@code tasks.<name>.*})
     */
    public static Set<String> keys(Set<String> tasks) {
        Set<String> keys = new LinkedHashSet<>();
        for (String k : ENGINE_KEYS) {
            keys.add(PREFIX + k);
        }
        for (String task : new TreeSet<>(tasks)) {
            for (String k : TASK_KEYS) {
                keys.add(PREFIX + "tasks." + task + "." + k);
            }
        }
        return keys;
    }

    /** The task names that the {@code tasks.<name>.*} keys among {@code keys} name. */
    public static Set<String> taskNames(Iterable<String> keys) {
        Set<String> names = new TreeSet<>();
        String prefix = PREFIX + "tasks.";
        for (String key : keys) {
            if (key.startsWith(prefix)) {
                int dot = key.indexOf('.', prefix.length());
                if (dot > prefix.length()) {
                    names.add(key.substring(prefix.length(), dot));
                }
            }
        }
        return names;
    }

    private static final List<String> ENGINE_KEYS = List.of(
            "models-dir",
            "max-sample-bytes",
            "dedup-window",
            "publish-every",
            "max-resident-users",
            "workers",
            "backbone.kind",
            "backbone.model",
            "backbone.threads",
            "backbone.cuda",
            "backbone.cuda-device",
            "backbone.max-seconds",
            "negative-bank.enabled",
            "negative-bank.directory",
            "online-rehearsal.capacity",
            "online-rehearsal.tenants",
            "online-rehearsal.max-per-user",
            "rate-limit.samples-per-minute",
            "rate-limit.burst");

    /** The keys of a class task (multi-class, multi-label); any other task key is refused for one. */
    private static final List<String> CLASS_KEYS = List.of(
            "kind",
            "labels",
            "start",
            "hidden",
            "learning-rate",
            "l2sp",
            "max-gradient-norm",
            "replay-steps",
            "replay-buffer",
            "batch-size",
            "pooling",
            "input-transform",
            "input-transform-sha256");

    /** The keys only a class task reads. */
    private static final List<String> CLASS_ONLY_KEYS =
            List.of("labels", "start", "hidden", "batch-size", "pooling", "input-transform", "input-transform-sha256");

    private static final List<String> TASK_KEYS = List.of(
            "kind",
            "labels",
            "start",
            "hidden",
            "batch-size",
            "pooling",
            "input-transform",
            "input-transform-sha256",
            "source-head",
            "phrase",
            "near-misses",
            "near-miss-voices",
            "near-miss-seed",
            "trainable-top-layers",
            "optimizer",
            "learning-rate",
            "l2sp",
            "max-gradient-norm",
            "replay-steps",
            "replay-buffer",
            "user-windows-per-step",
            "rehearsal-per-step",
            "window-frames",
            "threshold-position",
            "time-shift",
            "lora-rank",
            "l2sp-half-life",
            "distillation",
            "distillation-temperature",
            "max-update-norm",
            "hard-negative-windows",
            "on-negative-transfer",
            "target-false-accepts-per-hour",
            "bank-per-step",
            "bank-hard-share",
            "bank-candidates",
            "bank-pool",
            "min-recall",
            "calibration-pool",
            "calibration-slices",
            "rehearsal-set",
            "architecture-of");

    /** Keys that are no longer read, with what replaced them (their meaning changed, so no alias). */
    private static final Map<String, String> REPLACED = Map.of(
            PREFIX + "online-rehearsal.excluded-tenants",
            "replaced by " + PREFIX + "online-rehearsal.tenants, which lists the tenants that opt in");

    /** The default {@code online-rehearsal.max-per-user}: a quarter of the capacity, at least 1. */
    public static int defaultMaxPerUser(int capacity) {
        return Math.max(1, capacity / 4);
    }

    private static final List<String> ENGINE_PREFIXES =
            List.of("tasks.", "backbone.", "negative-bank.", "online-rehearsal.", "rate-limit.");

    /**
     * Whether {@code key} is the engine's: a key it reads, or any key under one of its prefixes
     * ({@code tasks.}, {@code backbone.}, ...), where {@link #fromProperties} names unknown ones.
     */
    public static boolean ownsKey(String key) {
        if (!key.startsWith(PREFIX)) {
            return false;
        }
        String k = key.substring(PREFIX.length());
        return ENGINE_KEYS.contains(k) || ENGINE_PREFIXES.stream().anyMatch(k::startsWith);
    }

    /** The known key nearest {@code key} in edit distance, if it is within 3 edits (a likely misspelling). */
    static Optional<String> closest(String key, Set<String> known) {
        String best = null;
        int bestDistance = 4;
        for (String k : known) {
            int d = editDistance(key, k, bestDistance);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Levenshtein distance of {@code a} and {@code b}, or {@code limit} once it reaches it. */
    private static int editDistance(String a, String b, int limit) {
        if (Math.abs(a.length() - b.length()) >= limit) {
            return limit;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            int rowMin = cur[0];
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                rowMin = Math.min(rowMin, cur[j]);
            }
            if (rowMin >= limit) {
                return limit;
            }
            int[] swap = prev;
            prev = cur;
            cur = swap;
        }
        return Math.min(prev[b.length()], limit);
    }

    /** Refuses a binary task that the engine's backbone or bank cannot run as configured. */
    private static void checkAgainstEngine(String name, Reader t, TaskSpec spec, BackboneSpec backbone, BankSpec bank) {
        if (spec.fresh() && !bank.enabled()) {
            // without a bank a fresh start's threshold would be calibrated on replayed clips and its
            // first head published after one clip, with no min-recall check
            throw new IllegalArgumentException("task '" + name + "' starts fresh (" + t.prefix() + "source-head="
                    + spec.sourceHead() + ") but the negative bank is disabled (" + PREFIX
                    + "negative-bank.enabled=false): a fresh start's threshold is calibrated per hour on the bank"
                    + " and its heads are held to min-recall only with a bank; enable the bank or start from a"
                    + " pre-trained head");
        }
        if (spec.nearMisses().isPresent() && spec.nearMisses().get().perUser() && !spec.fresh()) {
            // a reset or held version publishes the start head: a pre-trained one would detect its own
            // word (hey jarvis) under the user's phrase
            throw new IllegalArgumentException("task '" + name + "' has a phrase per user (" + t.prefix()
                    + "phrase=" + NearMissSpec.PER_USER + ") but starts from the pre-trained head "
                    + spec.sourceHead() + ", which a reset or held version would publish as the user's detector;"
                    + " start it fresh (" + t.prefix() + "source-head=fresh:<seed>)");
        }
        if (spec.nearMisses().isPresent() && backbone.kind() != BackboneKind.WAKEWORD) {
            throw new IllegalArgumentException("task '" + name + "' has a wake phrase (" + t.prefix() + "phrase) but "
                    + PREFIX + "backbone.kind=" + backbone.kind().name().toLowerCase(Locale.ROOT)
                    + " is a tensor backbone that takes no audio, so its near misses cannot be synthesized;"
                    + " remove " + t.prefix() + "phrase or use " + PREFIX + "backbone.kind=wakeword");
        }
    }

    private static TaskSpec task(Reader t, String sourceHead) {
        String task =
                t.prefix().substring((PREFIX + "tasks.").length(), t.prefix().length() - 1);
        Optional<String> architectureOf = t.optional("architecture-of");
        if (isFresh(sourceHead)) {
            // normalized, so that toProperties reads back equal
            sourceHead = SourceHead.FRESH_PREFIX + t.parse("source-head", 0L, EngineSpec::freshStartSeed);
            architectureOf = architectureOf.or(() -> Optional.of(DEFAULT_ARCHITECTURE_OF));
            String a = architectureOf.get();
            if (a.contains("/") || a.contains("\\") || a.contains("..")) {
                // a consumer finds the template again as <models-dir>/<stem>.onnx: only a file directly in it
                throw new IllegalArgumentException(t.prefix() + "architecture-of must be a bare file name in the"
                        + " models directory (no '/', '\\' or '..'), got '" + a + "'");
            }
            if (!a.endsWith(".onnx") || a.equals(".onnx")) {
                // the head records name the template by its stem, and consumers find it as <stem>.onnx
                throw new IllegalArgumentException(t.prefix() + "architecture-of must name an .onnx file in the models"
                        + " directory, got '" + architectureOf.get() + "'");
            }
        } else if (architectureOf.isPresent()) {
            throw new IllegalArgumentException(t.prefix() + "architecture-of applies only to a fresh start ("
                    + t.prefix() + "source-head=fresh:<seed>); task '" + task + "' starts from the pre-trained head "
                    + sourceHead + ", whose architecture is its own: remove it");
        }
        HeadRecipe d = HeadRecipe.wakeWordDefault();
        HeadRecipe recipe = new HeadRecipe(
                t.integer("trainable-top-layers", d.trainableTopLayers()),
                t.parse("optimizer", d.optimizer(), v -> HeadRecipe.OptimizerKind.valueOf(v.toUpperCase(Locale.ROOT))),
                t.real("learning-rate", d.learningRate()),
                t.real("l2sp", d.l2sp()),
                t.real("max-gradient-norm", d.maxGradientNorm()),
                t.integer("replay-steps", d.replaySteps()),
                t.integer("replay-buffer", d.replayBuffer()),
                t.integer("user-windows-per-step", d.userWindowsPerStep()),
                t.integer("rehearsal-per-step", d.rehearsalPerStep()),
                t.integer("window-frames", d.windowFrames()),
                t.real("threshold-position", isFresh(sourceHead) ? FRESH_THRESHOLD_POSITION : d.thresholdPosition()),
                t.bool("time-shift", d.timeShift()),
                t.integer("lora-rank", d.loraRank()),
                t.integer("l2sp-half-life", d.l2spHalfLife()),
                t.real("distillation", d.distillation()),
                t.real("distillation-temperature", d.distillationTemperature()),
                t.real("max-update-norm", d.maxUpdateNorm()),
                t.integer("hard-negative-windows", d.hardNegativeWindows()));
        BankTraining b = BankTraining.defaults();
        BankTraining bank = new BankTraining(
                t.integer("bank-per-step", b.perStep()),
                t.real("bank-hard-share", b.hardShare()),
                t.integer("bank-candidates", b.candidates()),
                t.integer("bank-pool", b.pool()),
                t.real("min-recall", b.minRecall()),
                t.integer("calibration-pool", b.calibrationPool()),
                t.integer("calibration-slices", b.calibrationSlices()));
        return new TaskSpec(
                sourceHead,
                recipe,
                t.parse(
                        "on-negative-transfer",
                        isFresh(sourceHead) ? FRESH_ALARM_ACTION : AlarmPolicy.DEFAULT_ALARM_ACTION,
                        EngineSpec::alarmAction),
                t.decimal("target-false-accepts-per-hour", 0.5),
                bank,
                t.optional("rehearsal-set").map(Path::of),
                architectureOf,
                nearMisses(t));
    }

    /** Default voices of near misses: espeak-ng voices none of whose speakers is a demo user or an evaluation voice. */
    public static final List<String> DEFAULT_NEAR_MISS_VOICES = List.of(
            "en-us+m1",
            "en-us+f1",
            "en-gb-x-rp+m3",
            "en-gb-x-rp+f5",
            "en-us+m5",
            "en-gb-scotland+belinda",
            "en-us+david",
            "en-029+aunty",
            "en-us-nyc+m8",
            "en-gb-x-gbclan+grandma",
            "en-us+klatt",
            "en+victor");

    /** The task's near misses: from {@code phrase}; the {@code near-miss-*} keys are refused without one. */
    private static Optional<NearMissSpec> nearMisses(Reader t) {
        Optional<String> phrase = t.optional("phrase");
        if (phrase.isEmpty()) {
            for (String key : List.of("near-misses", "near-miss-voices", "near-miss-seed")) {
                if (t.optional(key).isPresent()) {
                    throw new IllegalArgumentException(
                            t.prefix() + key + " applies to a task with a wake phrase: set " + t.prefix() + "phrase");
                }
            }
            return Optional.empty();
        }
        String p = phrase.get();
        if (!p.equals(NearMissSpec.PER_USER) && !WakePhrase.speakable(p)) {
            throw new IllegalArgumentException(t.prefix() + "phrase must be " + WakePhrase.RULE + ", or "
                    + NearMissSpec.PER_USER + " for a phrase each user names in their samples: '" + p + "'");
        }
        int count = t.integer("near-misses", NearMissSpec.DEFAULT_COUNT);
        if (count < 0 || count > NearMissSpec.MAX_COUNT) {
            throw new IllegalArgumentException(
                    t.prefix() + "near-misses must be 0 to " + NearMissSpec.MAX_COUNT + ": " + count);
        }
        List<String> voices = t.optional("near-miss-voices")
                .map(v -> Arrays.stream(v.split(","))
                        .map(String::trim)
                        .filter(x -> !x.isEmpty())
                        .toList())
                .orElse(DEFAULT_NEAR_MISS_VOICES);
        if (voices.isEmpty()) {
            throw new IllegalArgumentException(t.prefix() + "near-miss-voices names no voice");
        }
        return Optional.of(new NearMissSpec(
                WakePhrase.collapsed(p), count, voices, t.parse("near-miss-seed", 0L, Long::parseLong)));
    }

    /**
     * A class task's recipe from its {@code tasks.<name>.*} keys: {@code labels} (comma-separated, in
     * output order) is required, {@code start} is {@code fresh:<seed>}; a binary task's key is refused.
     */
    private static ClassRecipe classTask(Reader t, TaskKind.Type kind, Map<String, String> properties) {
        for (String key : TASK_KEYS) {
            if (!CLASS_KEYS.contains(key) && t.optional(key).isPresent()) {
                throw new IllegalArgumentException(t.prefix() + key + " applies to binary tasks only; task "
                        + t.prefix() + "kind is " + ClassRecipe.kindName(kind));
            }
        }
        List<String> labels = t.parse(
                "labels",
                List.<String>of(),
                v -> Arrays.stream(v.split(",", -1)).map(String::trim).toList());
        if (labels.isEmpty()) {
            throw new IllegalArgumentException(t.prefix() + "labels is required for a " + ClassRecipe.kindName(kind)
                    + " task: its output names," + " comma-separated, in output order");
        }
        long seed = t.parse("start", 1L, EngineSpec::freshSeed);
        // every value read first, so that a value that does not parse is named by its key; the
        // labels are checked with the others when the recipe is made
        int hidden = t.integer("hidden", ClassRecipe.DEFAULT_HIDDEN);
        float learningRate = t.real("learning-rate", ClassRecipe.DEFAULT_LEARNING_RATE);
        float l2sp = t.real("l2sp", ClassRecipe.DEFAULT_L2SP);
        float maxGradientNorm = t.real("max-gradient-norm", ClassRecipe.DEFAULT_MAX_GRADIENT_NORM);
        int steps = t.integer("replay-steps", ClassRecipe.DEFAULT_STEPS);
        int batch = t.integer("batch-size", ClassRecipe.DEFAULT_BATCH);
        int replay = t.integer("replay-buffer", ClassRecipe.DEFAULT_REPLAY_BUFFER);
        ClipPooling pooling = t.parse("pooling", ClipPooling.MEAN_STD, ClipPooling::parse);
        // a file in the models dir, or an absolute path; read when the engine is assembled
        Optional<Path> transform = t.parse("input-transform", Optional.empty(), v -> Optional.of(Path.of(v)));
        // lower case, as Headstream writes SHA-256s (some tools print them in upper case)
        Optional<String> pin = t.optional("input-transform-sha256").map(v -> v.toLowerCase(Locale.ROOT));
        try {
            return new ClassRecipe(
                    kind,
                    labels,
                    seed,
                    hidden,
                    learningRate,
                    l2sp,
                    maxGradientNorm,
                    steps,
                    batch,
                    replay,
                    pooling,
                    transform,
                    pin);
        } catch (IllegalArgumentException e) {
            // the recipe names the key (labels, hidden, replay-steps, ...); this names the task
            throw new IllegalArgumentException(
                    "class task " + t.prefix().substring(0, t.prefix().length() - 1) + ": " + e.getMessage(), e);
        }
    }

    /** The seed of {@code fresh:<seed>}. */
    private static long freshSeed(String v) {
        if (!v.startsWith("fresh:")) {
            throw new IllegalArgumentException("a class task starts from fresh:<seed> (a seeded fresh head)");
        }
        return Long.parseLong(v.substring("fresh:".length()).trim());
    }

    private static TaskKind.Type taskKind(String v) {
        for (TaskKind.Type t : TaskKind.Type.values()) {
            if (t.name().replace('_', '-').equalsIgnoreCase(v.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException("expected binary, multi-class or multi-label");
    }

    private static BackboneKind backboneKind(String v) {
        return BackboneKind.valueOf(v.toUpperCase(Locale.ROOT));
    }

    /** {@code publish-only}, {@code rollback-last-good}, ...: the kebab-case of an action's name. */
    private static AlarmAction alarmAction(String v) {
        return AlarmAction.valueOf(v.trim().replace('-', '_').toUpperCase(Locale.ROOT));
    }

    /** Reads typed values under a prefix, naming the full key in every error. */
    private record Reader(Map<String, String> properties, String prefix) {

        Reader(Map<String, String> properties) {
            this(properties, PREFIX);
        }

        Reader in(String sub) {
            return new Reader(properties, prefix + sub);
        }

        Optional<String> optional(String key) {
            String v = properties.get(prefix + key);
            return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
        }

        String string(String key, String fallback) {
            return optional(key).orElse(fallback);
        }

        <T> T parse(String key, T fallback, Function<String, T> parser) {
            Optional<String> v = optional(key);
            if (v.isEmpty()) {
                return fallback;
            }
            try {
                return parser.apply(v.get());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        prefix + key + ": cannot read '" + v.get() + "' ("
                                + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                                + ")",
                        e);
            }
        }

        int integer(String key, int fallback) {
            return parse(key, fallback, Integer::parseInt);
        }

        double decimal(String key, double fallback) {
            return parse(key, fallback, Double::parseDouble);
        }

        float real(String key, float fallback) {
            return parse(key, fallback, Float::parseFloat);
        }

        boolean bool(String key, boolean fallback) {
            // the spellings MicroProfile Config's boolean converter accepts as true, and their opposites
            return parse(key, fallback, v -> switch (v.toLowerCase(Locale.ROOT)) {
                case "true", "1", "yes", "y", "on" -> true;
                case "false", "0", "no", "n", "off" -> false;
                default -> throw new IllegalArgumentException("expected true/1/yes/y/on or false/0/no/n/off");
            });
        }

        Set<String> set(String key) {
            return parse(key, Set.<String>of(), v -> {
                Set<String> items = new TreeSet<>();
                for (String item : v.split(",")) {
                    if (!item.isBlank()) {
                        items.add(item.trim());
                    }
                }
                return Set.copyOf(items);
            });
        }
    }

    /** This specification as {@code headstream.*} properties that {@link #fromProperties} reads back equal. */
    public Map<String, String> toProperties() {
        Map<String, String> p = new TreeMap<>();
        p.put(PREFIX + "models-dir", modelsDir.toString());
        p.put(PREFIX + "max-sample-bytes", String.valueOf(maxSampleBytes));
        p.put(PREFIX + "dedup-window", String.valueOf(dedupWindow));
        p.put(PREFIX + "publish-every", String.valueOf(publishEvery));
        p.put(PREFIX + "max-resident-users", String.valueOf(maxResidentUsers));
        p.put(PREFIX + "workers", String.valueOf(workers));
        p.put(PREFIX + "backbone.kind", backbone.kind().name().toLowerCase(Locale.ROOT));
        backbone.model().ifPresent(m -> p.put(PREFIX + "backbone.model", m));
        p.put(PREFIX + "backbone.threads", String.valueOf(backbone.threads()));
        p.put(PREFIX + "backbone.cuda", String.valueOf(backbone.cuda()));
        p.put(PREFIX + "backbone.cuda-device", String.valueOf(backbone.cudaDevice()));
        p.put(PREFIX + "backbone.max-seconds", String.valueOf(backbone.maxSeconds()));
        p.put(PREFIX + "negative-bank.enabled", String.valueOf(negativeBank.enabled()));
        negativeBank.directory().ifPresent(d -> p.put(PREFIX + "negative-bank.directory", d.toString()));
        p.put(PREFIX + "online-rehearsal.capacity", String.valueOf(onlineRehearsal.capacity()));
        if (!onlineRehearsal.tenants().isEmpty()) {
            p.put(PREFIX + "online-rehearsal.tenants", String.join(",", new TreeSet<>(onlineRehearsal.tenants())));
        }
        p.put(PREFIX + "online-rehearsal.max-per-user", String.valueOf(onlineRehearsal.maxPerUser()));
        p.put(PREFIX + "rate-limit.samples-per-minute", String.valueOf(rateLimit.perMinute()));
        p.put(PREFIX + "rate-limit.burst", String.valueOf(rateLimit.burst()));
        if (!tasks.containsKey(DEFAULT_TASK) && !classTasks.containsKey(DEFAULT_TASK)) {
            p.put(PREFIX + "tasks." + DEFAULT_TASK + ".source-head", NO_SOURCE_HEAD);
        }
        classTasks.forEach((name, c) -> {
            String k = PREFIX + "tasks." + name + ".";
            p.put(k + "kind", ClassRecipe.kindName(c.kind()));
            p.put(k + "labels", String.join(",", c.labels()));
            p.put(k + "start", c.start());
            p.put(k + "hidden", String.valueOf(c.hidden()));
            p.put(k + "learning-rate", String.valueOf(c.learningRate()));
            p.put(k + "l2sp", String.valueOf(c.l2sp()));
            p.put(k + "max-gradient-norm", String.valueOf(c.maxGradientNorm()));
            p.put(k + "replay-steps", String.valueOf(c.steps()));
            p.put(k + "batch-size", String.valueOf(c.batch()));
            p.put(k + "replay-buffer", String.valueOf(c.replayBuffer()));
            if (c.pooling() != ClipPooling.MEAN_STD) {
                // only when set: the default reads as the properties did before poolings existed
                p.put(k + "pooling", c.pooling().label());
            }
            c.inputTransform().ifPresent(f -> p.put(k + "input-transform", f.toString()));
            c.inputTransformSha256().ifPresent(sha -> p.put(k + "input-transform-sha256", sha));
        });
        tasks.forEach((name, t) -> {
            String k = PREFIX + "tasks." + name + ".";
            HeadRecipe r = t.recipe();
            Map<String, Object> v = new HashMap<>();
            v.put("source-head", t.sourceHead());
            v.put("trainable-top-layers", r.trainableTopLayers());
            v.put("optimizer", r.optimizer().name().toLowerCase(Locale.ROOT));
            v.put("learning-rate", r.learningRate());
            v.put("l2sp", r.l2sp());
            v.put("max-gradient-norm", r.maxGradientNorm());
            v.put("replay-steps", r.replaySteps());
            v.put("replay-buffer", r.replayBuffer());
            v.put("user-windows-per-step", r.userWindowsPerStep());
            v.put("rehearsal-per-step", r.rehearsalPerStep());
            v.put("window-frames", r.windowFrames());
            v.put("threshold-position", r.thresholdPosition());
            v.put("time-shift", r.timeShift());
            v.put("lora-rank", r.loraRank());
            v.put("l2sp-half-life", r.l2spHalfLife());
            v.put("distillation", r.distillation());
            v.put("distillation-temperature", r.distillationTemperature());
            v.put("max-update-norm", r.maxUpdateNorm());
            v.put("hard-negative-windows", r.hardNegativeWindows());
            v.put(
                    "on-negative-transfer",
                    t.onNegativeTransfer().name().toLowerCase(Locale.ROOT).replace('_', '-'));
            v.put("target-false-accepts-per-hour", t.targetFalseAcceptsPerHour());
            v.put("bank-per-step", t.bank().perStep());
            v.put("bank-hard-share", t.bank().hardShare());
            v.put("bank-candidates", t.bank().candidates());
            v.put("bank-pool", t.bank().pool());
            v.put("min-recall", t.bank().minRecall());
            v.put("calibration-pool", t.bank().calibrationPool());
            v.put("calibration-slices", t.bank().calibrationSlices());
            t.rehearsalSet().ifPresent(f -> v.put("rehearsal-set", f.toString()));
            t.architectureOf().ifPresent(f -> v.put("architecture-of", f));
            t.nearMisses().ifPresent(n -> {
                v.put("phrase", n.phrase());
                v.put("near-misses", n.count());
                v.put("near-miss-voices", String.join(",", n.voices()));
                v.put("near-miss-seed", n.seed());
            });
            v.forEach((key, value) -> p.put(k + key, String.valueOf(value)));
        });
        return p;
    }

    /** This specification with {@code overrides} applied to its properties (for tools and tests). */
    public EngineSpec with(Map<String, String> overrides) {
        Map<String, String> p = new HashMap<>(toProperties());
        p.putAll(overrides);
        return fromProperties(p);
    }
}
