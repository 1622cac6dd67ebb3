package dev.headstream.runtime.assembly;

import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.adapt.task.BankNegatives;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.adapt.task.ClassRecipe;
import dev.headstream.core.adapt.task.NearMissSet;
import dev.headstream.core.adapt.task.RehearsalSet;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.embed.ExecutionOptions;
import dev.headstream.core.embed.ModelFile;
import dev.headstream.core.head.InputTransform;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.core.wire.SampleDecoder;
import dev.headstream.core.wire.SampleFile;
import dev.headstream.runtime.backbone.OnnxTensorBackbone;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.runtime.onnx.SourceHeads;
import dev.headstream.runtime.speech.NearMissClips;
import dev.headstream.runtime.speech.SpeechSynth;
import dev.headstream.runtime.speech.SpeechTools;
import dev.headstream.schemas.TopicSpecs;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one composition root of an adaptation engine: from an {@link EngineSpec} to the backbone,
 * each task's source head, reference set and negative bank, and the engine. The adapter, {@code
 * replay} and the tools all assemble here, so what replay rebuilds is what the adapter ran. Every
 * model contract is checked on the way (a broken model fails with an exact message).
 */
public final class EngineAssembly {

    private static final Logger LOG = LoggerFactory.getLogger(EngineAssembly.class);

    private EngineAssembly() {}

    /** An assembled engine and the tasks it runs, by name (the caller closes the backbone). */
    public record Assembled(AdaptationEngine engine, Map<String, BinaryHeadTask> tasks) {}

    /**
     * Loads the backbone that {@code spec} names, checking its model contract.
     *
     * @throws IllegalArgumentException if a model is missing, malformed or does not fit
     */
    public static Backbone backbone(EngineSpec spec) {
        Path dir = spec.modelsDir();
        EngineSpec.BackboneSpec b = spec.backbone();
        ExecutionOptions options = new ExecutionOptions(b.threads(), b.cuda(), b.cudaDevice());
        Backbone backbone = switch (b.kind()) {
            case WAKEWORD -> WakeWordBackbone.fromModelsDir(dir, options, b.maxSeconds());
            case ONNX ->
                new OnnxTensorBackbone(
                        ModelFile.read(dir.resolve(b.model()
                                .orElseThrow(() -> new IllegalArgumentException(EngineSpec.PREFIX
                                        + "backbone.model must name the ONNX file when" + " kind=onnx")))),
                        options);
        };
        LOG.info(
                "backbone {} ({}), embedding dim {}, sha256 {}",
                backbone.info().id(),
                backbone.info().executionProvider(),
                backbone.info().embeddingDim(),
                backbone.info().sha256());
        return backbone;
    }

    /**
     * Assembles the engine that {@code spec} describes on {@code backbone}. Each binary task's source
     * head comes from {@link SourceHeads#forTask}: a file in the models directory, or a fresh start
     * with the architecture of its template file.
     *
     * @throws IllegalArgumentException if a source head, reference set or bank cannot be used
     * @throws UncheckedIOException     if a file cannot be read
     */
    public static Assembled engine(EngineSpec spec, Backbone backbone) {
        return engine(spec, backbone, 0);
    }

    /**
     * {@link #engine(EngineSpec, Backbone)}, where a batch may make the near misses of at most
     * {@code newPhrasesPerBatch} users' phrases (tasks with {@code phrase=per-user}; 0: no limit, as
     * a replay needs): a live instance bounds what one batch spends on speech synthesis.
     */
    public static Assembled engine(EngineSpec spec, Backbone backbone, int newPhrasesPerBatch) {
        NegativeBank bank = negativeBank(spec, backbone);
        Map<String, BinaryHeadTask> tasks = new LinkedHashMap<>();
        Map<String, TaskKind> kinds = new LinkedHashMap<>();
        Set<String> phrasePerUser = new TreeSet<>();
        spec.tasks().forEach((name, t) -> {
            SourceHead source;
            try {
                source = SourceHeads.forTask(t, spec.modelsDir()).head();
            } catch (IllegalArgumentException e) {
                String key = EngineSpec.PREFIX + "tasks." + name + (t.fresh() ? ".architecture-of" : ".source-head");
                throw new IllegalArgumentException("task '" + name + "' (" + key + "): " + e.getMessage(), e);
            }
            RehearsalSet rehearsal =
                    t.rehearsalSet().map(f -> rehearsal(backbone, f)).orElse(RehearsalSet.empty());
            BinaryHeadTask task = task(name, t, source, rehearsal, bank == null ? null : prepare(bank, source, t));
            if (t.nearMisses().isPresent() && t.nearMisses().get().perUser()) {
                task = task.withPhrasePerUser(
                        phrasesPerUser(name, t.nearMisses().get(), backbone, newPhrasesPerBatch));
                phrasePerUser.add(name);
            } else if (t.nearMisses().isPresent()) {
                task = task.withNearMisses(nearMisses(name, t.nearMisses().get(), backbone));
            }
            LOG.info("task {}: {}", name, task);
            tasks.put(name, task);
            kinds.put(name, TaskKind.binary());
        });
        Map<String, ClassHeadTask> classTasks = classTasks(spec, backbone.info().embeddingDim());
        spec.classTasks().forEach((name, recipe) -> kinds.put(name, recipe.taskKind()));
        SampleDecoder decoder = new SampleDecoder(spec.maxSampleBytes(), backbone, kinds, phrasePerUser);
        AdaptationEngine.OnlineRehearsal online = spec.onlineRehearsal();
        if (online.enabled()) {
            LOG.info(
                    "online rehearsal: {} training negatives per task and partition, at most {} of one user,"
                            + " shared among the users of tenants {}",
                    online.capacity(),
                    online.maxPerUser(),
                    new TreeSet<>(online.tenants()));
        } else if (online.capacity() > 0) {
            LOG.warn(
                    "online rehearsal has a capacity of {} but no tenant opts in (headstream.online-rehearsal.tenants):"
                            + " it is off",
                    online.capacity());
        }
        AdaptationEngine engine = new AdaptationEngine(
                backbone,
                decoder,
                tasks,
                classTasks,
                spec.dedupWindow(),
                spec.publishEvery(),
                spec.onlineRehearsal(),
                spec.rateLimit(),
                spec.maxResidentUsers(),
                spec.workers());
        return new Assembled(engine, Collections.unmodifiableMap(tasks));
    }

    /**
     * The task that {@code spec} describes, over a bank prepared by {@link #prepare} (null: no bank).
     * Every engine task is built here, so the tools that train heads in-process get the adapter's.
     */
    public static BinaryHeadTask task(
            String name,
            EngineSpec.TaskSpec spec,
            SourceHead source,
            RehearsalSet rehearsal,
            BankNegatives preparedBank) {
        return new BinaryHeadTask(
                name,
                source,
                spec.recipe(),
                rehearsal,
                spec.onNegativeTransfer(),
                spec.targetFalseAcceptsPerHour(),
                preparedBank,
                spec.bank());
    }

    /**
     * The near misses {@code spec} describes, synthesized with espeak-ng and sox ({@link NearMissClips})
     * and embedded one clip at a time, as a sample's clip is.
     *
     * @throws IllegalArgumentException naming the task when the speech tools are missing or the phrase has no near miss
     */
    public static NearMissSet nearMisses(String task, EngineSpec.NearMissSpec spec, Backbone backbone) {
        if (spec.count() == 0) {
            // none to learn, but the heads still name the phrase they detect
            return NearMissSet.of(spec.phrase(), List.of(), List.of());
        }
        checkSpeechTools(task, spec);
        return nearMisses(task, spec.phrase(), spec, backbone);
    }

    /**
     * The near misses of each user's phrase for a task with a phrase per user: {@link #nearMisses}
     * of a phrase, made the first time a head needs them and kept for the task's heads
     * ({@link NearMissCache}, the {@value NearMissCache#DEFAULT_PHRASES} phrases used last).
     *
     * @throws IllegalArgumentException naming the task when the speech tools or a voice are missing
     */
    public static NearMissCache phrasesPerUser(String task, EngineSpec.NearMissSpec spec, Backbone backbone) {
        return phrasesPerUser(task, spec, backbone, 0);
    }

    /**
     * {@link #phrasesPerUser(String, EngineSpec.NearMissSpec, Backbone)}, where one batch makes the
     * near misses of at most {@code perBatch} phrases (0: no limit).
     */
    public static NearMissCache phrasesPerUser(
            String task, EngineSpec.NearMissSpec spec, Backbone backbone, int perBatch) {
        if (spec.count() > 0) {
            checkSpeechTools(task, spec);
            try {
                NearMissClips.espeakVoices(spec.voices(), true);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "task '" + task + "' (" + EngineSpec.PREFIX + "tasks." + task + ".near-miss-voices): "
                                + e.getMessage(),
                        e);
            }
        }
        return new NearMissCache(
                NearMissCache.DEFAULT_PHRASES,
                spec.count(),
                perBatch,
                phrase -> spec.count() == 0 ? NearMissSet.none() : nearMisses(task, phrase, spec, backbone));
    }

    private static void checkSpeechTools(String task, EngineSpec.NearMissSpec spec) {
        if (!SpeechTools.available()) {
            throw new IllegalArgumentException("task '" + task + "' has a wake phrase ('" + spec.phrase()
                    + "'): its near misses are synthesized with espeak-ng and sox, which are not installed here"
                    + " (Debian packages espeak-ng and sox; or remove " + EngineSpec.PREFIX + "tasks." + task
                    + ".phrase)");
        }
    }

    /** {@code phrase}'s near misses as {@code spec} says to make them, synthesized and embedded. */
    private static NearMissSet nearMisses(String task, String phrase, EngineSpec.NearMissSpec spec, Backbone backbone) {
        long start = System.nanoTime();
        NearMissClips.Synthesized s;
        try {
            s = new NearMissClips(new SpeechSynth()).synthesize(phrase, spec.count(), spec.seed(), spec.voices());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "task '" + task + "': cannot synthesize the near misses of '" + phrase + "': " + e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(
                    "task '" + task + "': cannot synthesize the near misses of '" + phrase + "': " + e.getMessage(), e);
        }
        List<EmbeddingSequence> clips = new ArrayList<>();
        for (short[] pcm : s.clips()) {
            clips.add(backbone.embed(List.of(new BackboneInput.Audio(NearMissClips.SAMPLE_RATE, pcm)))
                    .get(0));
        }
        NearMissSet set = NearMissSet.of(s.phrase(), s.strings(), clips);
        LOG.info(
                "task {}: {} near misses of '{}' ({}) synthesized and embedded in {} ms ({} strings, sha256 {})",
                task,
                set.size(),
                s.phrase(),
                s.phonemes(),
                (System.nanoTime() - start) / 1_000_000,
                set.strings().size(),
                set.sha256());
        return set;
    }

    /** The negative bank prepared for the task {@code spec} describes on {@code source} (shareable across its users). */
    public static BankNegatives prepare(NegativeBank bank, SourceHead source, EngineSpec.TaskSpec spec) {
        return BinaryHeadTask.prepareBank(bank, source, spec.recipe());
    }

    /**
     * The most bytes the class tasks' heads of one user may take in the user's changelog record,
     * together: a quarter of the record limit ({@code max.message.bytes} 16 MiB) is left for the
     * binary heads (about 0.26 MB each with the default recipe) and the dedup window.
     */
    public static final long MAX_CLASS_STATE_BYTES = 12L << 20;

    /**
     * What {@link #classTasks} allows per binary task of a user's record: a recipe that trains every
     * layer in full holds about 2.7 MB ({@code docs/wire.md}), the default 0.26 MB.
     */
    static final long BINARY_STATE_ALLOWANCE = 3L << 20;

    private static InputTransform inputTransform(String task, java.nio.file.Path file) {
        try {
            return InputTransform.read(file);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    EngineSpec.PREFIX + "tasks." + task + ".input-transform: " + e.getMessage(), e);
        }
    }

    /**
     * The class tasks {@code spec} describes, on embeddings of {@code embeddingDim} values.
     *
     * @throws IllegalArgumentException naming the task and its keys, when a head would not fit a
     *                                  consumer's decoder or the class heads of one user would not
     *                                  fit {@link #MAX_CLASS_STATE_BYTES} of its changelog record
     */
    public static Map<String, ClassHeadTask> classTasks(EngineSpec spec, int embeddingDim) {
        Map<String, ClassHeadTask> out = new LinkedHashMap<>();
        long total = 0;
        for (Map.Entry<String, ClassRecipe> e : spec.classTasks().entrySet()) {
            String name = e.getKey();
            java.util.Optional<java.nio.file.Path> file =
                    e.getValue().inputTransform().map(f -> spec.modelsDir().resolve(f));
            // read first: a file that cannot be read names its key already
            InputTransform transform = file.map(f -> inputTransform(name, f)).orElse(null);
            ClassHeadTask task;
            try {
                task = new ClassHeadTask(name, e.getValue(), embeddingDim, transform);
            } catch (IllegalArgumentException ex) {
                if (file.isEmpty()) {
                    throw ex;
                }
                // the transform does not fit the task: name the key and the file
                throw new IllegalArgumentException(
                        EngineSpec.PREFIX + "tasks." + name + ".input-transform (" + file.get() + "): "
                                + ex.getMessage(),
                        ex);
            }
            file.ifPresent(f -> LOG.info(
                    "class task {}: reads through {} from {}",
                    name,
                    task.inputTransform().orElseThrow(),
                    f));
            String keys = EngineSpec.PREFIX + "tasks." + name + ".{hidden,labels,replay-buffer"
                    + (file.isPresent() ? ",input-transform" : "") + "}";
            if (task.architecture().parameterCount() > HeadCodec.MAX_CLASS_PARAMETERS
                    || task.architecture().inputDim() > HeadCodec.MAX_CLASS_WIDTH) {
                throw new IllegalArgumentException("class task '" + name + "' has "
                        + task.architecture().parameterCount() + " parameters on inputs of "
                        + task.architecture().inputDim() + "; a head record holds at most "
                        + HeadCodec.MAX_CLASS_PARAMETERS + " and " + HeadCodec.MAX_CLASS_WIDTH + ": lower " + keys);
            }
            total += task.maxStateBytes();
            LOG.info(
                    "class task {}: {}; up to {} bytes of state per user, {} bytes per published version",
                    name,
                    task,
                    task.maxStateBytes(),
                    task.publishedBytes());
            out.put(name, task);
        }
        long others = BINARY_STATE_ALLOWANCE * spec.tasks().size() + 16L * spec.dedupWindow();
        long room = Math.min(MAX_CLASS_STATE_BYTES, TopicSpecs.LARGE_RECORD_BYTES - others);
        if (!out.isEmpty() && total > room) {
            throw new IllegalArgumentException("the class tasks " + out.keySet() + " take up to " + total
                    + " bytes of one user's changelog record, more than the " + room + " they may beside "
                    + spec.tasks().size() + " binary tasks and the dedup window (" + TopicSpecs.LARGE_RECORD_BYTES
                    + " in all): lower their hidden, labels or replay-buffer");
        }
        return out;
    }

    /** The negative bank {@code spec} trains against, checked against the backbone; null when it runs without one. */
    private static NegativeBank negativeBank(EngineSpec spec, Backbone backbone) {
        boolean speech = spec.backbone().kind() == EngineSpec.BackboneKind.WAKEWORD;
        if (spec.negativeBank().enabled()
                && (speech || spec.negativeBank().directory().isPresent())) {
            Path dir = spec.negativeBank().resolve(spec.modelsDir());
            NegativeBank bank =
                    NegativeBank.open(dir).checkBackbone(backbone.info().sha256());
            LOG.info(String.format(
                    Locale.ROOT,
                    "negative bank %s (id %s): %.2f h training, %.2f h" + " calibration speech",
                    dir,
                    bank.id(),
                    bank.train().hours(16),
                    bank.calibration().hours(16)));
            return bank;
        }
        if (speech && !spec.tasks().isEmpty()) {
            LOG.warn(
                    "negative bank disabled ({}negative-bank.enabled=false): thresholds are set on clips only",
                    EngineSpec.PREFIX);
        }
        return null;
    }

    private static RehearsalSet rehearsal(Backbone backbone, Path file) {
        RehearsalSet set =
                RehearsalSet.split(backbone.embed(SampleFile.readRehearsalAudio(file)), RehearsalSet.CALIBRATION_EVERY);
        LOG.info(
                "rehearsal set {}: {} clips for training, {} held aside for calibration",
                file,
                set.train().size(),
                set.calibration().size());
        return set;
    }
}
