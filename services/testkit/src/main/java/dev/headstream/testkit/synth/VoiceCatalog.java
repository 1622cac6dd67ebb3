package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.Engine;
import dev.headstream.runtime.speech.SynthRequest;
import dev.headstream.runtime.speech.Voice;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Every voice of every engine, grouped by speaker and split into the disjoint {@link Part}s.
 *
 * <p>Speaker groups: flite {@code kal}/{@code kal16} and Festival {@code kal_diphone} are one
 * speaker ({@code kal}); flite {@code slt} and Festival {@code cmu_us_slt_arctic_hts} are one
 * ({@code slt}); {@code ked}, {@code awb} and {@code rms} are one voice each. An espeak-ng voice's
 * group is its variant ({@code espeak-ng:f2}): the variant sets the timbre, the dialect only the
 * accent, so {@code en-us+f2} and {@code en-gb-scotland+f2} count as one speaker.
 *
 * <p>The split (fixed; it does not depend on any seed):
 * <ul>
 *   <li>{@link Part#TRAIN}: espeak-ng set A + Festival {@code kal_diphone};</li>
 *   <li>{@link Part#CALIBRATION}: espeak-ng set B + Festival {@code ked_diphone};</li>
 *   <li>{@link Part#EVALUATION}: espeak-ng set C + flite {@code slt} + Festival {@code cmu_us_slt_arctic_hts};</li>
 *   <li>{@link Part#USERS}: espeak-ng set D + flite {@code awb} + flite {@code rms};</li>
 *   <li>unused: flite {@code kal} and {@code kal16}, the TRAIN speaker {@code kal} in another engine.</li>
 * </ul>
 * The espeak-ng sets hold every combination of {@link SyntheticUsers#DIALECTS} and
 * {@link SyntheticUsers#VARIANTS} (all of which change the audio), split by variant: the
 * variants are dealt, female ones first, then male, then the four {@code klatt} ones, each family
 * in a fixed shuffled order, to the part furthest below its share of
 * {@value #TRAIN_SHARE}/{@value #CALIBRATION_SHARE}/{@value #EVALUATION_SHARE}/{@value #USERS_SHARE},
 * so every part gets female and male timbres and all eight dialects. Each espeak-ng voice has a
 * base pitch (30-70) and speed (140-185 wpm) drawn from its name; flite and Festival voices speak
 * at their own (50, 175).
 *
 * <p>Immutable and thread-safe.
 */
public final class VoiceCatalog {

    static final double TRAIN_SHARE = 0.50;
    static final double CALIBRATION_SHARE = 0.20;
    static final double EVALUATION_SHARE = 0.15;
    static final double USERS_SHARE = 0.15;

    /** espeak-ng variants by timbre family, for a stratified split (gender from the variant files). */
    static final List<List<String>> VARIANT_FAMILIES = List.of(
            List.of("f1", "f2", "f3", "f4", "f5", "Andrea", "Annie", "aunty", "belinda", "grandma", "linda", "steph"),
            List.of(
                    "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "croak", "Andy", "Denis", "Gene", "Mike", "david",
                    "edward", "grandpa", "michel", "quincy", "robert", "victor"),
            List.of("klatt", "klatt2", "klatt3", "klatt4"));

    /** The flite and Festival voices of each part. */
    static final Map<Part, List<Voice>> OTHER_VOICES = Map.of(
            Part.TRAIN, List.of(Voice.festival("kal_diphone")),
            Part.CALIBRATION, List.of(Voice.festival("ked_diphone")),
            Part.EVALUATION, List.of(Voice.flite("slt"), Voice.festival("cmu_us_slt_arctic_hts")),
            Part.USERS, List.of(Voice.flite("awb"), Voice.flite("rms")));

    private static final String SPLIT_LABEL = "voice-catalog-v1";
    private static final VoiceCatalog STANDARD = new VoiceCatalog();

    private final List<CatalogVoice> voices;
    private final List<Voice> unused;

    private VoiceCatalog() {
        Map<String, Part> variantParts = splitVariants();
        List<CatalogVoice> all = new ArrayList<>();
        for (Part part : Part.values()) {
            for (String dialect : SyntheticUsers.DIALECTS) {
                for (String variant : SyntheticUsers.VARIANTS) {
                    if (variantParts.get(variant) == part) {
                        Voice voice = new Voice(dialect, variant);
                        SplittableRandom random = SyntheticUsers.random(0, SPLIT_LABEL + "/" + voice.id());
                        all.add(new CatalogVoice(
                                voice, groupOf(voice), part, 30 + random.nextInt(41), 140 + random.nextInt(46)));
                    }
                }
            }
            for (Voice voice : OTHER_VOICES.getOrDefault(part, List.of())) {
                all.add(new CatalogVoice(
                        voice, groupOf(voice), part, SynthRequest.REFERENCE_PITCH, SynthRequest.REFERENCE_SPEED_WPM));
            }
        }
        this.voices = List.copyOf(all);
        this.unused = List.of(Voice.flite("kal"), Voice.flite("kal16"));
    }

    /** The one catalog. */
    public static VoiceCatalog standard() {
        return STANDARD;
    }

    /** Every voice in a part, in part order; within a part espeak-ng (dialect, then variant order) first. */
    public List<CatalogVoice> voices() {
        return voices;
    }

    /** The voices of one part. */
    public List<CatalogVoice> voices(Part part) {
        return voices.stream().filter(v -> v.part() == part).toList();
    }

    /** The voices of one part and engine. */
    public List<CatalogVoice> voices(Part part, Engine engine) {
        return voices.stream()
                .filter(v -> v.part() == part && v.engine() == engine)
                .toList();
    }

    /** The {@link Voice}s of one part, for {@link SyntheticUsers#SyntheticUsers(SyntheticUsers.Config, List, List)}. */
    public List<Voice> pool(Part part) {
        return voices(part).stream().map(CatalogVoice::voice).toList();
    }

    /** The engines a part has voices of, in {@link Engine} order. */
    public List<Engine> engines(Part part) {
        return voices(part).stream()
                .map(CatalogVoice::engine)
                .distinct()
                .sorted()
                .toList();
    }

    /** Installed voices that no part uses because their speaker belongs to a part already (flite kal, kal16). */
    public List<Voice> unused() {
        return unused;
    }

    /** The catalog entry of {@code voice}, if a part uses it. */
    public Optional<CatalogVoice> find(Voice voice) {
        return voices.stream().filter(v -> v.voice().equals(voice)).findFirst();
    }

    /**
     * The speaker group of any voice: the variant for espeak-ng ({@code espeak-ng:f2}, or
     * {@code espeak-ng:<dialect>} without one), the speaker's name for flite and Festival
     * ({@code kal}, {@code slt}, ...; the voice name for voices not listed here).
     */
    public static String groupOf(Voice voice) {
        return switch (voice.engine()) {
            case ESPEAK_NG -> "espeak-ng:" + (voice.variant().isEmpty() ? voice.name() : voice.variant());
            case FLITE ->
                switch (voice.name()) {
                    case "kal", "kal16" -> "kal";
                    default -> voice.name();
                };
            case FESTIVAL ->
                switch (voice.name()) {
                    case "kal_diphone" -> "kal";
                    case "ked_diphone" -> "ked";
                    case "cmu_us_slt_arctic_hts" -> "slt";
                    default -> voice.name();
                };
        };
    }

    /**
     * One line per voice for a manifest ({@link CatalogVoice#describe()}), then one per unused
     * voice: {@code unused flite:kal group=kal (speaker of TRAIN)}.
     */
    public List<String> describe() {
        List<String> lines =
                new ArrayList<>(voices.stream().map(CatalogVoice::describe).toList());
        for (Voice voice : unused) {
            String group = groupOf(voice);
            String owner = voices.stream()
                    .filter(v -> v.group().equals(group))
                    .map(v -> v.part().name())
                    .findFirst()
                    .orElse("no part");
            lines.add("unused " + voice.id() + " group=" + group + " (speaker of " + owner + ")");
        }
        return lines;
    }

    /** The part of each espeak-ng variant. */
    private static Map<String, Part> splitVariants() {
        double[] shares = {TRAIN_SHARE, CALIBRATION_SHARE, EVALUATION_SHARE, USERS_SHARE};
        int[] dealt = new int[shares.length];
        int total = 0;
        SplittableRandom random = SyntheticUsers.random(0, SPLIT_LABEL);
        Map<String, Part> parts = new HashMap<>();
        for (List<String> family : VARIANT_FAMILIES) {
            List<String> order = new ArrayList<>(family);
            for (int i = order.size() - 1; i > 0; i--) {
                Collections.swap(order, i, random.nextInt(i + 1));
            }
            for (String variant : order) {
                total++;
                int best = 0;
                for (int p = 1; p < shares.length; p++) {
                    if (shares[p] * total - dealt[p] > shares[best] * total - dealt[best]) {
                        best = p;
                    }
                }
                dealt[best]++;
                parts.put(variant, Part.values()[best]);
            }
        }
        if (!parts.keySet().equals(new HashSet<>(SyntheticUsers.VARIANTS))) {
            throw new IllegalStateException("VARIANT_FAMILIES must hold exactly SyntheticUsers.VARIANTS");
        }
        return parts;
    }

    @Override
    public String toString() {
        Map<Part, Integer> sizes = new EnumMap<>(Part.class);
        voices.forEach(v -> sizes.merge(v.part(), 1, Integer::sum));
        return "VoiceCatalog" + sizes;
    }
}
