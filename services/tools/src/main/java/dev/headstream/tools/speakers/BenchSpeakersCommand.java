package dev.headstream.tools.speakers;

import dev.headstream.core.bank.NegativeBank;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.runtime.speech.ClipAssembler;
import dev.headstream.testkit.synth.CachingSynthesizer;
import dev.headstream.testkit.synth.CatalogVoice;
import dev.headstream.testkit.synth.MultiEngineSynth;
import dev.headstream.testkit.synth.Part;
import dev.headstream.testkit.synth.VoiceCatalog;
import dev.headstream.tools.RunInfo;
import dev.headstream.tools.bank.BankCommand;
import dev.headstream.tools.bench.LinePlot;
import dev.headstream.tools.bench.SynthInputs;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Speaker attribution per household, in-process on the raw backbone: households of distinct
 * speakers from the USERS voices, each member enrolled with ordinary speech; a per-household head
 * on per-utterance vectors (from the embeddings, or from the front end's mel frames), with
 * transforms and head statistics learned from the TRAIN speakers and its open-set threshold
 * calibrated on the negative bank's calibration speech (or clips of its CALIBRATION speakers);
 * identification accuracy on the members' held-out clips and rejection of outside voices (the
 * EVALUATION voices), against the number of enrollment clips. Which speakers play which role is
 * {@link ClipPlan}'s. Every option is checked before the bank is opened, and the bank before any
 * clip is rendered. Writes a table, JSON and a PNG.
 */
@Command(
        name = "bench-speakers",
        mixinStandardHelpOptions = true,
        description = "Speaker attribution per household: identification accuracy and rejection of outside"
                + " voices vs household size and enrollment clips.")
public final class BenchSpeakersCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SynthInputs inputs;

    @Option(names = "--bank", description = "Negative bank (default <models-dir>/negative-bank).")
    Path bankDir;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Seed of households and clips (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--sizes",
            defaultValue = "2,3,4,5,6",
            split = ",",
            description = "Household sizes (default ${DEFAULT-VALUE}).")
    int[] sizes;

    @Option(names = "--households", defaultValue = "5", description = "Households per size (default ${DEFAULT-VALUE}).")
    int households;

    @Option(
            names = "--enroll",
            defaultValue = "1,2,3,5,10",
            split = ",",
            description =
                    "Enrollment clips per member to score at; the largest is synthesized (default ${DEFAULT-VALUE}).")
    int[] enroll;

    @Option(
            names = "--test",
            defaultValue = "10",
            description = "Held-out clips per member (default ${DEFAULT-VALUE}).")
    int test;

    @Option(
            names = "--outside",
            defaultValue = "20",
            description = "Clips per outside speaker (EVALUATION voice group) (default ${DEFAULT-VALUE}).")
    int outsidePerGroup;

    @Option(
            names = "--target",
            defaultValue = "0.02",
            description =
                    "Largest share of calibration utterances a head may accept as a member (default ${DEFAULT-VALUE}).")
    double target;

    @Option(
            names = "--other-targets",
            defaultValue = "0.05,0.2",
            split = ",",
            description = "Further calibration targets, reported for the headline at the largest enrollment"
                    + " (default ${DEFAULT-VALUE}).")
    double[] otherTargets;

    @Option(
            names = "--block-frames",
            defaultValue = "16",
            description = "Embedding frames per calibration utterance cut from the bank (default ${DEFAULT-VALUE}).")
    int blockFrames;

    @Option(
            names = "--representation",
            defaultValue = "MEANSTD_SPEECH_LDA_CLIPS",
            description = "Representation of the headline figures and the plot: ${COMPLETION-CANDIDATES}"
                    + " (default ${DEFAULT-VALUE}); the others are compared at the largest enrollment.")
    Utterance.Representation headline;

    @Option(
            names = "--lda-components",
            defaultValue = "0",
            description =
                    "Discriminant directions of the LDA representations; 0 = speakers - 1 (default ${DEFAULT-VALUE}).")
    int ldaComponents;

    @Option(
            names = "--training-clips",
            defaultValue = "100",
            description =
                    "Clips per TRAIN-part speaker to learn the *-clips transforms from (default ${DEFAULT-VALUE}).")
    int trainingClips;

    @Option(
            names = "--calibration-clips",
            defaultValue = "40",
            description = "Clips per CALIBRATION-part speaker, rendered like the members' clips, for the"
                    + " clip-calibrated threshold (default ${DEFAULT-VALUE}).")
    int calibrationClips;

    @Option(
            names = "--headline-calibration",
            defaultValue = "bank",
            description = "Threshold of the plot: bank (blocks of the bank's calibration part) or clips (clips of"
                    + " its speakers) (default ${DEFAULT-VALUE}).")
    String headlineCalibration;

    @Option(
            names = "--mel-representations",
            split = ",",
            description = "Representations from the front end's mel frames to compare (default: every one:"
                    + " mel-{logmel,cepstrum,cepstrum-cmn}[-deltas]-{centred,wccn,lda}).")
    List<String> melRepresentations;

    @Option(
            names = "--mel-headline",
            defaultValue = "mel-cepstrum-deltas-wccn",
            description = "Mel representation of the plot and the enrollment sweep (default ${DEFAULT-VALUE}).")
    String melHeadline;

    @Option(
            names = "--speech-drop",
            defaultValue = "2.0",
            description = "Mel frames count as speech within this many scaled-mel units (10 dB each) of the clip's"
                    + " loudest frame's mean band (default ${DEFAULT-VALUE}).")
    double speechDrop;

    @Option(names = "--threads", defaultValue = "2", description = "Synthesis threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--out", description = "Folder for speakers.json and speakers.png (none by default).")
    Path out;

    /** Heads {@code --mel-head} may name. */
    static final List<String> MEL_HEADS = List.of("prototype", "znorm", "plda");

    /** Calibrations {@code --headline-calibration} may name. */
    static final List<String> CALIBRATIONS = List.of("bank", "clips");

    @Override
    public Integer call() throws IOException {
        PrintWriter pw = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        List<MelFeatures.Representation> mels = checkOptions();
        MelFeatures.Representation melHead = MelFeatures.Representation.parse(melHeadline);
        int maxEnroll = Arrays.stream(enroll).max().orElseThrow();
        VoiceCatalog catalog = VoiceCatalog.standard();
        Map<String, List<CatalogVoice>> memberGroups = ClipPlan.groups(catalog, ClipPlan.Role.MEMBER);
        Map<String, List<CatalogVoice>> outsideGroups = ClipPlan.groups(catalog, ClipPlan.Role.OUTSIDE);
        pw.printf(
                Locale.ROOT,
                "member speakers (USERS part, distinct speaker groups): %d %s%n",
                memberGroups.size(),
                memberGroups.keySet());
        pw.printf(
                Locale.ROOT,
                "outside speakers (EVALUATION part): %d %s%n",
                outsideGroups.size(),
                outsideGroups.keySet());
        List<String> pool = List.copyOf(memberGroups.keySet());
        for (int size : sizes) {
            if (size > pool.size()) {
                throw new ParameterException(
                        spec.commandLine(),
                        "households of " + size + " need " + size + " distinct speakers; the USERS part has "
                                + pool.size());
            }
        }
        NegativeBank bank = NegativeBank.open(bankDir == null ? BankCommand.defaultDir(inputs.modelsDir()) : bankDir);
        if (bank.calibration() == null || bank.train() == null) {
            throw new IllegalArgumentException("bank " + bank.directory() + " needs its train and calibration parts");
        }
        CalibrationSpeech training = CalibrationSpeech.of(bank.train(), blockFrames, catalog, Part.TRAIN);
        CalibrationSpeech calibrationSpeech =
                CalibrationSpeech.of(bank.calibration(), blockFrames, catalog, Part.CALIBRATION);
        List<Households.Household> all = new ArrayList<>();
        for (int size : sizes) {
            List<Households.Household> drawn = Households.draw(pool, size, households, seed);
            long distinct = Math.min(households, Households.combinations(pool.size(), size));
            if (distinct < households) {
                pw.printf(
                        Locale.ROOT,
                        "note: only %d distinct households of %d exist in %d speakers; %d of the %d repeat a member set"
                                + " (with new clips)%n",
                        distinct,
                        size,
                        pool.size(),
                        households - distinct,
                        households);
            }
            all.addAll(drawn);
        }
        ClipPlan plan =
                ClipPlan.of(catalog, seed, all, maxEnroll, test, outsidePerGroup, trainingClips, calibrationClips);
        List<SpeakerSpeech.PlannedClip> planned = plan.all();
        pw.printf(
                Locale.ROOT,
                "%d households (%d per size), %d clips to render (%d enrollment + %d held-out per member, %d outside,"
                        + " %d training, %d calibration)%n",
                all.size(),
                households,
                planned.size(),
                maxEnroll,
                test,
                plan.clips().get(ClipPlan.Role.OUTSIDE).size(),
                plan.clips().get(ClipPlan.Role.TRAINING).size(),
                plan.clips().get(ClipPlan.Role.CALIBRATION).size());
        pw.flush();
        CachingSynthesizer synth = new CachingSynthesizer(MultiEngineSynth.defaults(), inputs.cacheDir());
        List<SpeakerSpeech.EmbeddedClip> clips;
        try (WakeWordBackbone backbone = WakeWordBackbone.fromModelsDir(inputs.modelsDir())) {
            clips = SpeakerSpeech.render(
                    planned,
                    synth,
                    new ClipAssembler(ClipAssembler.Settings.defaults()),
                    backbone,
                    threads,
                    200,
                    line -> {
                        pw.println("  " + line);
                        pw.flush();
                    });
        }
        List<SpeakerSpeech.EmbeddedClip> trainClips = plan.of(ClipPlan.Role.TRAINING, clips);
        List<SpeakerSpeech.EmbeddedClip> outsideClips = plan.of(ClipPlan.Role.OUTSIDE, clips);
        List<SpeakerSpeech.EmbeddedClip> calibrationClipList = plan.of(ClipPlan.Role.CALIBRATION, clips);
        RepresentationModel model = RepresentationModel.learn(
                training,
                st -> trainClips.stream()
                        .map(c -> Utterance.summary(
                                c.embeddings().values(),
                                c.embeddings().dim(),
                                Utterance.speechFrames(c.embeddings().frames(), c.speechStart(), c.speechEnd())[0],
                                Utterance.speechFrames(c.embeddings().frames(), c.speechStart(), c.speechEnd())[1],
                                st))
                        .toList(),
                trainClips.stream().map(c -> c.clip().group()).toList(),
                ldaComponents);
        pw.printf(
                Locale.ROOT,
                "calibration: %d utterances of %d frames (%.2f s) from the bank's calibration part (%d speakers);"
                        + " transforms learned from the training part's %d utterances (%d speakers, %d LDA directions)"
                        + " and from %d clips of its voices (%d speakers, %d LDA directions)%n",
                calibrationSpeech.blocks().size(),
                blockFrames,
                blockFrames * 0.08,
                calibrationSpeech.speakers(),
                model.bank().utterances(),
                model.bank().speakers(),
                model.bank().ldaComponents(),
                model.clips().utterances(),
                model.clips().speakers(),
                model.clips().ldaComponents());
        Map<String, SpeakerSpeech.EmbeddedClip> byKey = new HashMap<>();
        plan.of(ClipPlan.Role.MEMBER, clips).forEach(c -> byKey.put(c.clip().key(), c));

        SpeakerHead.Factory prototype = PrototypeSpeakerHead.factory();
        SpeakerHead.Factory frameHead =
                FrameSpeakerHead.factory(bank.calibration().dim());
        List<Row> rows = new ArrayList<>();
        for (Utterance.Representation rep : Utterance.Representation.values()) {
            Map<String, List<float[]>> calibrations = new LinkedHashMap<>();
            calibrations.put("bank", model.applyAll(rep, calibrationSpeech.summaries(rep.statistics())));
            calibrations.put(
                    "clips",
                    calibrationClipList.stream().map(c -> vector(rep, c, model)).toList());
            List<SpeakerHead.Factory> heads = rep.statistics() == Utterance.Statistics.FRAMES
                    ? List.of(frameHead)
                    : rep == headline ? List.of(prototype, SoftmaxSpeakerHead.factory(seed)) : List.of(prototype);
            List<float[]> outside =
                    outsideClips.stream().map(c -> vector(rep, c, model)).toList();
            for (SpeakerHead.Factory factory : heads) {
                boolean isHeadline = rep == headline;
                int[] ks = isHeadline ? enroll : new int[] {maxEnroll};
                for (Households.Household h : all) {
                    MemberVectors mv = memberVectors(h, k -> vector(rep, byKey.get(k), model), maxEnroll, test);
                    List<List<float[]>> enr = mv.enrol();
                    List<List<float[]>> tst = mv.test();
                    for (int k : ks) {
                        for (Map.Entry<String, List<float[]>> cal : calibrations.entrySet()) {
                            HouseholdScoring.Result r =
                                    HouseholdScoring.score(factory, enr, k, tst, outside, cal.getValue(), target);
                            rows.add(new Row(rep.label(), factory.name() + "+" + cal.getKey(), h, k, r));
                            if (isHeadline && k == maxEnroll) {
                                for (double t : otherTargets) {
                                    HouseholdScoring.Result o =
                                            HouseholdScoring.score(factory, enr, k, tst, outside, cal.getValue(), t);
                                    rows.add(new Row(
                                            rep.label(), factory.name() + "+" + cal.getKey() + "@" + t, h, k, o));
                                }
                            }
                        }
                    }
                }
            }
            pw.printf(Locale.ROOT, "  scored representation %s%n", rep.label());
            pw.flush();
        }
        scoreMel(pw, mels, melHead, all, plan, clips, prototype, maxEnroll, rows);
        printTables(pw, rows, maxEnroll);
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(
                    out.resolve("speakers.json"),
                    json(
                            rows,
                            memberGroups,
                            outsideGroups,
                            calibrationSpeech.blocks().size(),
                            plan.clips().get(ClipPlan.Role.CALIBRATION).size(),
                            plan.clips().get(ClipPlan.Role.TRAINING).size(),
                            maxEnroll,
                            (System.nanoTime() - t0) / 1e9));
            plot(
                    out.resolve("speakers.png"),
                    rows,
                    (headline.statistics() == Utterance.Statistics.FRAMES ? "frames" : "prototype") + "+"
                            + headlineCalibration);
            pw.println("bench-speakers: wrote " + out.resolve("speakers.json") + " and speakers.png");
        }
        pw.printf(Locale.ROOT, "bench-speakers: %.0f s%n", (System.nanoTime() - t0) / 1e9);
        pw.flush();
        return 0;
    }

    @Option(
            names = "--mel-head",
            defaultValue = "znorm",
            description = "Head of the mel headline in the plot: prototype, znorm or plda (default ${DEFAULT-VALUE}).")
    String melHeadName;

    /**
     * Checks every option that needs no file, before anything is opened or rendered.
     *
     * @return the mel representations to compare
     * @throws ParameterException naming the first option out of range
     */
    private List<MelFeatures.Representation> checkOptions() {
        if (Arrays.stream(enroll).min().orElseThrow() < 1 || households < 1 || test < 1 || outsidePerGroup < 1) {
            throw bad("--enroll, --households, --test and --outside must be >= 1");
        }
        if (Arrays.stream(sizes).min().orElseThrow() < 1) {
            throw bad("--sizes must be >= 1, was " + Arrays.toString(sizes));
        }
        if (Arrays.stream(sizes).distinct().count() != sizes.length) {
            throw bad("--sizes must be distinct, was " + Arrays.toString(sizes));
        }
        if (Arrays.stream(enroll).distinct().count() != enroll.length) {
            throw bad("--enroll must be distinct, was " + Arrays.toString(enroll));
        }
        int maxEnroll = Arrays.stream(enroll).max().orElseThrow();
        if (maxEnroll + test > SpeakerSpeech.TEXTS.size()) {
            throw bad("the largest --enroll plus --test must be at most " + SpeakerSpeech.TEXTS.size()
                    + " (distinct texts per member), was " + (maxEnroll + test));
        }
        if (!(target >= 0 && target < 1)) {
            throw bad("--target must be in [0, 1), was " + target);
        }
        for (double t : otherTargets) {
            if (!(t >= 0 && t < 1)) {
                throw bad("--other-targets must be in [0, 1), was " + t);
            }
        }
        if (trainingClips < 2) {
            throw bad("--training-clips must be >= 2 (within-speaker statistics), was " + trainingClips);
        }
        if (calibrationClips < 1) {
            throw bad("--calibration-clips must be >= 1, was " + calibrationClips);
        }
        if (blockFrames < 1) {
            throw bad("--block-frames must be >= 1, was " + blockFrames);
        }
        if (ldaComponents < 0) {
            throw bad("--lda-components must be >= 0, was " + ldaComponents);
        }
        if (threads < 1) {
            throw bad("--threads must be >= 1, was " + threads);
        }
        if (!(speechDrop > 0)) {
            throw bad("--speech-drop must be > 0, was " + speechDrop);
        }
        if (!MEL_HEADS.contains(melHeadName)) {
            throw bad("--mel-head must be one of " + MEL_HEADS + ", was " + melHeadName);
        }
        if (!CALIBRATIONS.contains(headlineCalibration)) {
            throw bad("--headline-calibration must be one of " + CALIBRATIONS + ", was " + headlineCalibration);
        }
        List<MelFeatures.Representation> mels;
        try {
            mels = melRepresentations();
        } catch (IllegalArgumentException e) {
            throw bad("--mel-representations: " + e.getMessage());
        }
        if (mels.stream().distinct().count() != mels.size()) {
            throw bad("--mel-representations must be distinct, was " + melRepresentations);
        }
        MelFeatures.Representation melHead;
        try {
            melHead = MelFeatures.Representation.parse(melHeadline);
        } catch (IllegalArgumentException e) {
            throw bad("--mel-headline: " + e.getMessage());
        }
        if (!mels.contains(melHead)) {
            throw bad("--mel-headline " + melHeadline + " is not among --mel-representations");
        }
        return mels;
    }

    private ParameterException bad(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private List<MelFeatures.Representation> melRepresentations() {
        if (melRepresentations != null && !melRepresentations.isEmpty()) {
            return melRepresentations.stream()
                    .map(MelFeatures.Representation::parse)
                    .toList();
        }
        List<MelFeatures.Representation> all = new ArrayList<>();
        for (MelFeatures.Base b : MelFeatures.Base.values()) {
            for (boolean d : new boolean[] {false, true}) {
                for (MelFeatures.Transform t : MelFeatures.Transform.values()) {
                    all.add(new MelFeatures.Representation(b, d, t));
                }
            }
        }
        return all;
    }

    /**
     * Scores every mel representation with the prototype, z-norm and PLDA heads at the largest
     * enrollment, and {@code melHead} at every enrollment count; the threshold comes from the clips of the bank's
     * CALIBRATION speakers (the bank keeps embeddings, not mel frames, so its blocks cannot be
     * summarised this way); transforms from the clips of its TRAIN speakers.
     */
    private void scoreMel(
            PrintWriter pw,
            List<MelFeatures.Representation> mels,
            MelFeatures.Representation melHead,
            List<Households.Household> all,
            ClipPlan plan,
            List<SpeakerSpeech.EmbeddedClip> clips,
            SpeakerHead.Factory prototype,
            int maxEnroll,
            List<Row> rows) {
        Map<String, Map<String, float[]>> summaries = new HashMap<>();
        Map<String, MelRepresentationModel> models = new HashMap<>();
        List<SpeakerSpeech.EmbeddedClip> trainClips = plan.of(ClipPlan.Role.TRAINING, clips);
        for (MelFeatures.Representation rep : mels) {
            String stats = rep.base() + "/" + rep.deltas();
            if (summaries.containsKey(stats)) {
                continue;
            }
            Map<String, float[]> byClip = new HashMap<>();
            for (SpeakerSpeech.EmbeddedClip c : clips) {
                byClip.put(
                        c.clip().key(),
                        MelFeatures.summary(c.mel(), WakeWordBackbone.MEL_BINS, rep.base(), rep.deltas(), speechDrop));
            }
            summaries.put(stats, byClip);
            models.put(
                    stats,
                    MelRepresentationModel.learn(
                            trainClips.stream()
                                    .map(c -> byClip.get(c.clip().key()))
                                    .toList(),
                            trainClips.stream().map(c -> c.clip().group()).toList(),
                            ldaComponents));
        }
        for (MelFeatures.Representation rep : mels) {
            String stats = rep.base() + "/" + rep.deltas();
            Map<String, float[]> byClip = summaries.get(stats);
            MelRepresentationModel model = models.get(stats);
            java.util.function.Function<String, float[]> vector = key -> model.apply(rep.transform(), byClip.get(key));
            List<float[]> calibration = plan.of(ClipPlan.Role.CALIBRATION, clips).stream()
                    .map(c -> vector.apply(c.clip().key()))
                    .toList();
            List<float[]> outside = plan.of(ClipPlan.Role.OUTSIDE, clips).stream()
                    .map(c -> vector.apply(c.clip().key()))
                    .toList();
            List<float[]> cohort =
                    trainClips.stream().map(c -> vector.apply(c.clip().key())).toList();
            int[] ks = rep.equals(melHead) ? enroll : new int[] {maxEnroll};
            List<SpeakerHead.Factory> heads = List.of(
                    prototype,
                    ZNormSpeakerHead.factory(cohort),
                    DiagonalPldaSpeakerHead.factory(
                            cohort,
                            trainClips.stream().map(c -> c.clip().group()).toList()),
                    SoftmaxSpeakerHead.factory(seed));
            for (Households.Household h : all) {
                MemberVectors mv = memberVectors(h, vector, maxEnroll, test);
                List<List<float[]>> enr = mv.enrol();
                List<List<float[]>> tst = mv.test();
                for (SpeakerHead.Factory factory : heads) {
                    String name = factory.name() + "+clips";
                    for (int k : ks) {
                        rows.add(new Row(
                                rep.label(),
                                name,
                                h,
                                k,
                                HouseholdScoring.score(factory, enr, k, tst, outside, calibration, target)));
                        if (rep.equals(melHead) && k == maxEnroll) {
                            for (double t : otherTargets) {
                                rows.add(new Row(
                                        rep.label(),
                                        name + "@" + t,
                                        h,
                                        k,
                                        HouseholdScoring.score(factory, enr, k, tst, outside, calibration, t)));
                            }
                        }
                    }
                }
            }
            pw.printf(Locale.ROOT, "  scored representation %s%n", rep.label());
            pw.flush();
        }
        scoreSplit(
                pw,
                melHead,
                all,
                trainClips,
                plan.of(ClipPlan.Role.CALIBRATION, clips).stream()
                        .map(c -> c.clip().key())
                        .toList(),
                plan.of(ClipPlan.Role.OUTSIDE, clips).stream()
                        .map(c -> c.clip().key())
                        .toList(),
                summaries.get(melHead.base() + "/" + melHead.deltas()),
                prototype,
                maxEnroll,
                rows);
    }

    /**
     * {@code melHead} at the largest enrollment with the TRAIN speakers split in two (alternately, in
     * catalog order): the transform learned from one half, the z-norm cohort and the PLDA statistics
     * from the other half's clips, so that the head statistics do not come from the clips the
     * transform was fitted to. Rows are named {@code <head>-split+clips}.
     */
    private void scoreSplit(
            PrintWriter pw,
            MelFeatures.Representation melHead,
            List<Households.Household> all,
            List<SpeakerSpeech.EmbeddedClip> trainClips,
            List<String> calibrationKeys,
            List<String> outsideKeys,
            Map<String, float[]> byClip,
            SpeakerHead.Factory prototype,
            int maxEnroll,
            List<Row> rows) {
        List<String> groups =
                trainClips.stream().map(c -> c.clip().group()).distinct().toList();
        java.util.Set<String> fitGroups = new java.util.HashSet<>();
        for (int i = 0; i < groups.size(); i += 2) {
            fitGroups.add(groups.get(i));
        }
        List<SpeakerSpeech.EmbeddedClip> fit = trainClips.stream()
                .filter(c -> fitGroups.contains(c.clip().group()))
                .toList();
        List<SpeakerSpeech.EmbeddedClip> stats = trainClips.stream()
                .filter(c -> !fitGroups.contains(c.clip().group()))
                .toList();
        MelRepresentationModel model = MelRepresentationModel.learn(
                fit.stream().map(c -> byClip.get(c.clip().key())).toList(),
                fit.stream().map(c -> c.clip().group()).toList(),
                ldaComponents);
        java.util.function.Function<String, float[]> vector = key -> model.apply(melHead.transform(), byClip.get(key));
        List<float[]> cohort =
                stats.stream().map(c -> vector.apply(c.clip().key())).toList();
        List<SpeakerHead.Factory> heads = List.of(
                prototype,
                ZNormSpeakerHead.factory(cohort),
                DiagonalPldaSpeakerHead.factory(
                        cohort, stats.stream().map(c -> c.clip().group()).toList()));
        List<float[]> calibration = calibrationKeys.stream().map(vector).toList();
        List<float[]> outside = outsideKeys.stream().map(vector).toList();
        for (Households.Household h : all) {
            MemberVectors mv = memberVectors(h, vector, maxEnroll, test);
            List<List<float[]>> enr = mv.enrol();
            List<List<float[]>> tst = mv.test();
            for (SpeakerHead.Factory factory : heads) {
                rows.add(new Row(
                        melHead.label(),
                        factory.name() + "-split+clips",
                        h,
                        maxEnroll,
                        HouseholdScoring.score(factory, enr, maxEnroll, tst, outside, calibration, target)));
            }
        }
        pw.printf(
                Locale.ROOT,
                "  scored %s with the TRAIN speakers split: transform from %d speakers (%d clips), head statistics"
                        + " from %d (%d clips)%n",
                melHead.label(),
                fitGroups.size(),
                fit.size(),
                groups.size() - fitGroups.size(),
                stats.size());
        pw.flush();
    }

    /** One household's figures for one representation, head and enrollment count. */
    record Row(String rep, String head, Households.Household household, int k, HouseholdScoring.Result r) {}

    /** Pooled figures of several households. */
    record Pooled(
            int households,
            int tests,
            int correct,
            int closed,
            int rejected,
            int outside,
            int outsideRejected,
            double calibrationAccepted,
            double minAccuracy) {
        static Pooled of(List<Row> rows) {
            return new Pooled(
                    rows.size(),
                    rows.stream().mapToInt(x -> x.r().tests()).sum(),
                    rows.stream().mapToInt(x -> x.r().correct()).sum(),
                    rows.stream().mapToInt(x -> x.r().closedSetCorrect()).sum(),
                    rows.stream().mapToInt(x -> x.r().rejectedMembers()).sum(),
                    rows.stream().mapToInt(x -> x.r().outside()).sum(),
                    rows.stream().mapToInt(x -> x.r().outsideRejected()).sum(),
                    rows.stream()
                            .mapToDouble(x -> x.r().calibrationAccepted())
                            .average()
                            .orElse(0),
                    rows.stream().mapToDouble(x -> x.r().accuracy()).min().orElse(0));
        }

        double accuracy() {
            return tests == 0 ? 0 : correct / (double) tests;
        }

        double closedAccuracy() {
            return tests == 0 ? 0 : closed / (double) tests;
        }

        double rejectedShare() {
            return tests == 0 ? 0 : rejected / (double) tests;
        }

        double outsideRejection() {
            return outside == 0 ? 0 : outsideRejected / (double) outside;
        }
    }

    private List<Row> select(List<Row> rows, String rep, String head, int size, int k) {
        return rows.stream()
                .filter(x -> x.rep().equals(rep)
                        && x.head().equals(head)
                        && x.household().size() == size
                        && x.k() == k)
                .toList();
    }

    /** Every representation's label in the order of the rows. */
    private static List<String> repLabels(List<Row> rows) {
        return rows.stream().map(Row::rep).distinct().toList();
    }

    private void printTables(PrintWriter pw, List<Row> rows, int maxEnroll) {
        List<String> headNames = rows.stream().map(Row::head).distinct().toList();
        pw.printf(
                Locale.ROOT,
                "%nrepresentations at %d enrollment clips (open-set accuracy / closed-set accuracy / outside rejected),"
                        + " calibration target %.3f:%n",
                maxEnroll,
                target);
        for (String head : headNames) {
            for (String rep : repLabels(rows)) {
                if (rows.stream().noneMatch(x -> x.rep().equals(rep) && x.head().equals(head))) {
                    continue;
                }
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-16s %-28s", head, rep));
                for (int size : sizes) {
                    Pooled p = Pooled.of(select(rows, rep, head, size, maxEnroll));
                    line.append(String.format(
                            Locale.ROOT,
                            "  %d: %.3f / %.3f / %.3f",
                            size,
                            p.accuracy(),
                            p.closedAccuracy(),
                            p.outsideRejection()));
                }
                pw.println(line);
            }
        }
        for (String sweep : List.of(headline.label(), melHeadline)) {
            for (String head : headNames) {
                printSweep(pw, rows, sweep, head);
            }
        }
        pw.flush();
    }

    private void printSweep(PrintWriter pw, List<Row> rows, String rep, String head) {
        if (rows.stream().noneMatch(x -> x.rep().equals(rep) && x.head().equals(head))) {
            return;
        }
        {
            pw.printf(Locale.ROOT, "%n%s head, %s (enrollment sweep):%n", head, rep);
            pw.printf(
                    Locale.ROOT,
                    "  %4s %6s %10s %9s %11s %11s %9s %13s %9s%n",
                    "size",
                    "enroll",
                    "households",
                    "accuracy",
                    "closed-set",
                    "members-rej",
                    "min-hh",
                    "outside-rej",
                    "calib-acc");
            for (int size : sizes) {
                for (int k : enroll) {
                    List<Row> sel = select(rows, rep, head, size, k);
                    if (sel.isEmpty()) {
                        continue;
                    }
                    Pooled p = Pooled.of(sel);
                    pw.printf(
                            Locale.ROOT,
                            "  %4d %6d %10d %9.3f %11.3f %11.3f %9.3f %13.3f %9.4f%n",
                            size,
                            k,
                            p.households(),
                            p.accuracy(),
                            p.closedAccuracy(),
                            p.rejectedShare(),
                            p.minAccuracy(),
                            p.outsideRejection(),
                            p.calibrationAccepted());
                }
            }
        }
        pw.flush();
    }

    /**
     * The mel headline's sweep ({@code --mel-head}, threshold from the calibration speakers' clips) per
     * household size, beside the embedding baseline's sweep for the largest size ({@code baselineHead}).
     */
    private void plot(Path png, List<Row> rows, String baselineHead) throws IOException {
        Map<String, double[]> acc = new LinkedHashMap<>();
        Map<String, double[]> closed = new LinkedHashMap<>();
        Map<String, double[]> rej = new LinkedHashMap<>();
        int largest = Arrays.stream(sizes).max().orElseThrow();
        for (int size : sizes) {
            series(rows, melHeadline, melHeadName + "+clips", size, size + " members", acc, closed, rej);
        }
        series(
                rows,
                headline.label(),
                baselineHead,
                largest,
                largest + " members, embeddings (baseline)",
                acc,
                closed,
                rej);
        double[] goal = new double[enroll.length];
        Arrays.fill(goal, 0.95);
        acc.put("target 0.95", goal);
        closed.put("target 0.95", goal.clone());
        rej.put("target 0.95", goal.clone());
        LinePlot.write(
                png,
                String.format(
                        Locale.ROOT,
                        "speaker attribution, %s head on %s (baseline: %s on %s), %d households per size,"
                                + " calibration target %.0f %%",
                        melHeadName + "+clips",
                        melHeadline,
                        baselineHead,
                        headline.label(),
                        households,
                        target * 100),
                "enrollment clips per member",
                enroll,
                List.of(
                        new LinePlot.Panel("identification accuracy (unknown = error)", "accuracy", 0, 1, acc),
                        new LinePlot.Panel("closed-set accuracy (no threshold)", "accuracy", 0, 1, closed),
                        new LinePlot.Panel("outside voices rejected as unknown", "share rejected", 0, 1, rej)),
                false);
    }

    private void series(
            List<Row> rows,
            String rep,
            String head,
            int size,
            String name,
            Map<String, double[]> acc,
            Map<String, double[]> closed,
            Map<String, double[]> rej) {
        double[] a = new double[enroll.length];
        double[] c = new double[enroll.length];
        double[] o = new double[enroll.length];
        for (int i = 0; i < enroll.length; i++) {
            Pooled p = Pooled.of(select(rows, rep, head, size, enroll[i]));
            a[i] = p.accuracy();
            c[i] = p.closedAccuracy();
            o[i] = p.outsideRejection();
        }
        acc.put(name, a);
        closed.put(name, c);
        rej.put(name, o);
    }

    private String json(
            List<Row> rows,
            Map<String, List<CatalogVoice>> memberGroups,
            Map<String, List<CatalogVoice>> outsideGroups,
            int bankCalibrationBlocks,
            int calibrationClipCount,
            int trainingClipCount,
            int maxEnroll,
            double seconds) {
        StringBuilder s = new StringBuilder();
        s.append("{\n");
        s.append(String.format(Locale.ROOT, "  \"date\": \"%s\",%n", Instant.now()));
        s.append(String.format(Locale.ROOT, "  \"commit\": \"%s\",%n", RunInfo.gitCommit()));
        s.append(String.format(
                Locale.ROOT,
                "  \"setup\": {\"seed\": %d, \"sizes\": %s, \"householdsPerSize\": %d, \"enroll\": %s, \"testPerMember\": %d,"
                        + " \"outsidePerSpeaker\": %d, \"calibrationTarget\": %s, \"otherTargets\": %s,"
                        + " \"bankCalibrationBlocks\": %d, \"blockFrames\": %d,"
                        + " \"calibrationClipsPerSpeaker\": %d, \"calibrationClips\": %d,"
                        + " \"trainingClipsPerSpeaker\": %d, \"trainingClips\": %d, \"ldaComponents\": %d,"
                        + " \"headline\": \"%s\", \"headlineCalibration\": \"%s\", \"melHeadline\": \"%s\","
                        + " \"melHead\": \"%s\", \"speechDrop\": %s, \"seconds\": %.0f},%n",
                seed,
                Arrays.toString(sizes),
                households,
                Arrays.toString(enroll),
                test,
                outsidePerGroup,
                target,
                Arrays.toString(otherTargets),
                bankCalibrationBlocks,
                blockFrames,
                calibrationClips,
                calibrationClipCount,
                trainingClips,
                trainingClipCount,
                ldaComponents,
                headline.label(),
                headlineCalibration,
                melHeadline,
                melHeadName,
                speechDrop,
                seconds));
        s.append("  \"memberSpeakers\": ").append(quoted(memberGroups.keySet())).append(",\n");
        s.append("  \"outsideSpeakers\": ")
                .append(quoted(outsideGroups.keySet()))
                .append(",\n");
        s.append("  \"summary\": [\n");
        List<String> lines = new ArrayList<>();
        for (String head : rows.stream().map(Row::head).distinct().toList()) {
            for (String rep : repLabels(rows)) {
                for (int size : sizes) {
                    for (int k : enroll) {
                        List<Row> sel = select(rows, rep, head, size, k);
                        if (sel.isEmpty()) {
                            continue;
                        }
                        Pooled p = Pooled.of(sel);
                        lines.add(String.format(
                                Locale.ROOT,
                                "    {\"head\": \"%s\", \"representation\": \"%s\", \"size\": %d, \"enroll\": %d,"
                                        + " \"households\": %d, \"tests\": %d, \"accuracy\": %.4f, \"closedSetAccuracy\": %.4f,"
                                        + " \"membersRejected\": %.4f, \"minHouseholdAccuracy\": %.4f, \"outside\": %d,"
                                        + " \"outsideRejected\": %.4f, \"calibrationAccepted\": %.4f}",
                                head,
                                rep,
                                size,
                                k,
                                p.households(),
                                p.tests(),
                                p.accuracy(),
                                p.closedAccuracy(),
                                p.rejectedShare(),
                                p.minAccuracy(),
                                p.outside(),
                                p.outsideRejection(),
                                p.calibrationAccepted()));
                    }
                }
            }
        }
        s.append(String.join(",\n", lines)).append("\n  ],\n");
        s.append("  \"households\": [\n");
        lines.clear();
        for (Row x : rows) {
            if (!x.rep().equals(headline.label()) && !x.rep().equals(melHeadline)) {
                continue;
            }
            lines.add(String.format(
                    Locale.ROOT,
                    "    {\"representation\": \"%s\", \"head\": \"%s\", \"household\": \"%s\", \"members\": %s, \"enroll\": %d, \"threshold\": %.5f,"
                            + " \"tests\": %d, \"correct\": %d, \"membersRejected\": %d, \"outside\": %d, \"outsideRejected\": %d}",
                    x.rep(),
                    x.head(),
                    x.household().id(),
                    quoted(x.household().members()),
                    x.k(),
                    x.r().threshold(),
                    x.r().tests(),
                    x.r().correct(),
                    x.r().rejectedMembers(),
                    x.r().outside(),
                    x.r().outsideRejected()));
        }
        s.append(String.join(",\n", lines)).append("\n  ]\n}\n");
        return s.toString();
    }

    /** Each member's enrolment and test vectors of one household, member by member. */
    private record MemberVectors(List<List<float[]>> enrol, List<List<float[]>> test) {}

    /** {@link MemberVectors} of {@code h}, each clip's vector by its key. */
    private static MemberVectors memberVectors(
            Households.Household h, java.util.function.Function<String, float[]> vector, int enrol, int test) {
        List<List<float[]>> enr = new ArrayList<>();
        List<List<float[]>> tst = new ArrayList<>();
        for (String g : h.members()) {
            List<float[]> e = new ArrayList<>();
            List<float[]> t = new ArrayList<>();
            for (int i = 0; i < enrol; i++) {
                e.add(vector.apply(key(h, g, "enroll", i)));
            }
            for (int i = 0; i < test; i++) {
                t.add(vector.apply(key(h, g, "test", i)));
            }
            enr.add(e);
            tst.add(t);
        }
        return new MemberVectors(enr, tst);
    }

    private static String quoted(java.util.Collection<String> xs) {
        return "[" + String.join(", ", xs.stream().map(x -> "\"" + x + "\"").toList()) + "]";
    }

    private static String key(Households.Household h, String group, String role, int i) {
        return String.format(Locale.ROOT, "%s/%s/%s/%02d", h.id(), group, role, i);
    }

    private static float[] vector(
            Utterance.Representation rep, SpeakerSpeech.EmbeddedClip c, RepresentationModel model) {
        return model.apply(rep, Utterance.summary(rep, c.embeddings(), c.speechStart(), c.speechEnd()));
    }
}
