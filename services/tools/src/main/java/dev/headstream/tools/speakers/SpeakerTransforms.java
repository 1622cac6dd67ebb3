package dev.headstream.tools.speakers;

import dev.headstream.core.embed.ClipPooling;
import dev.headstream.core.embed.FrontEndFrames;
import dev.headstream.core.embed.MelCepstrumPooling;
import dev.headstream.core.head.InputTransform;
import dev.headstream.runtime.backbone.WakeWordBackbone;
import dev.headstream.runtime.speech.ClipAssembler;
import dev.headstream.runtime.speech.Synthesizer;
import dev.headstream.testkit.synth.CatalogVoice;
import dev.headstream.testkit.synth.Part;
import dev.headstream.testkit.synth.VoiceCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The speaker transform household heads read through ({@code headstream.tasks.<t>.input-transform}):
 * within-speaker whitening (WCCN) of {@code mel-cepstrum} statistics, learned from clips of the
 * voice catalog's TRAIN speakers, who are no household member, outside voice or calibration
 * speaker of any measurement here. Each clip is rendered as the demo renders the members' clips
 * (a drawn everyday or wake phrase, pitch, speed and tempo; {@link SpeakerSpeech#training}), pooled
 * by the service's own {@link MelCepstrumPooling}, and the directions in which one speaker's clips
 * vary among themselves are scaled to unit variance ({@link SpeakerProjection}, ridge
 * {@value RepresentationModel#RIDGE} of the mean variance), so that a head trained on a few clips
 * per member weighs what tells voices apart over what changes from one sentence to the next.
 */
public final class SpeakerTransforms {

    /** Where {@code ./headstream setup} puts it, in the models dir. */
    public static final Path DEFAULT_FILE = Path.of("speaker-transform", "mel-cepstrum-wccn.hsit");

    /** Clips per TRAIN speaker by default. */
    public static final int DEFAULT_CLIPS = 100;

    /** The seed of the clips' texts and synthesis parameters by default. */
    public static final long DEFAULT_SEED = 1;

    private SpeakerTransforms() {}

    /**
     * The recipe's text, kept in the transform's description: a file whose description equals it
     * was built by this recipe, from these speakers, and need not be built again.
     */
    public static String recipe(VoiceCatalog catalog, long seed, int clipsPerSpeaker) {
        return String.format(
                Locale.ROOT,
                "wccn of %s (%d values) from %d clips of each of the catalog's TRAIN speakers %s, seed %d, ridge %s;"
                        + " clips rendered as the speakers demo renders members' clips",
                MelCepstrumPooling.NAME,
                MelCepstrumPooling.WIDTH,
                clipsPerSpeaker,
                SpeakerSpeech.groups(catalog, Part.TRAIN).keySet(),
                seed,
                RepresentationModel.RIDGE);
    }

    /** The service's test ({@link ClipPooling#unfit}): no frame above {@link MelCepstrumPooling#SILENCE}. */
    private static boolean silent(FrontEndFrames f) {
        for (float level : MelCepstrumPooling.energies(f.values(), f.bins())) {
            if (level > MelCepstrumPooling.SILENCE) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code file} holds a transform built by this recipe. */
    public static boolean upToDate(Path file, VoiceCatalog catalog, long seed, int clipsPerSpeaker) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try {
            return InputTransform.read(file).description().equals(recipe(catalog, seed, clipsPerSpeaker));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Renders {@code clipsPerSpeaker} clips of every TRAIN speaker, pools each, and learns the
     * transform. {@code progress} gets a line every 200 clips.
     *
     * @throws IllegalStateException if a clip cannot be synthesized
     */
    public static InputTransform learn(
            VoiceCatalog catalog,
            long seed,
            int clipsPerSpeaker,
            Synthesizer synth,
            WakeWordBackbone backbone,
            int threads,
            Consumer<String> progress) {
        Map<String, List<CatalogVoice>> groups = SpeakerSpeech.groups(catalog, Part.TRAIN);
        List<SpeakerSpeech.PlannedClip> clips = SpeakerSpeech.training(seed, "training", groups, clipsPerSpeaker);
        ClipAssembler assembler = new ClipAssembler(ClipAssembler.Settings.defaults());
        List<float[]> pooled = new ArrayList<>(clips.size());
        List<Integer> labels = new ArrayList<>(clips.size());
        Map<String, Integer> ids = new HashMap<>();
        int[] silent = {0};
        SpeakerSpeech.assembleEach(
                clips,
                synth,
                assembler,
                threads,
                200,
                "rendered and pooled for the speaker transform",
                progress,
                (c, clip) -> {
                    FrontEndFrames frames =
                            FrontEndFrames.of(backbone.melFrames(clip.pcm()), WakeWordBackbone.MEL_BINS);
                    if (silent(frames)) {
                        silent[0]++;
                    } else {
                        pooled.add(MelCepstrumPooling.pool(frames));
                        labels.add(ids.computeIfAbsent(c.group(), g -> ids.size()));
                    }
                });
        if (silent[0] > 0) {
            progress.accept("speaker transform: " + silent[0] + " silent clips left out");
        }
        SpeakerProjection wccn = SpeakerProjection.fit(
                pooled, labels.stream().mapToInt(Integer::intValue).toArray(), 0, RepresentationModel.RIDGE);
        return InputTransform.ofProjection(
                ClipPooling.MEL_CEPSTRUM,
                wccn.mean(),
                wccn.projection(),
                wccn.components(),
                recipe(catalog, seed, clipsPerSpeaker));
    }
}
