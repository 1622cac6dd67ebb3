package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.Engine;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Which read-speech streams make up a negative bank: per bank part, streams of
 * {@value #MIN_STREAM_SECONDS}-{@value #MAX_STREAM_SECONDS} s until the part's hours are full.
 *
 * <p>Per part: {@value #ESPEAK_SHARE} of the hours are read by the part's espeak-ng voices and the
 * rest by its flite and Festival voices, in equal shares per voice. espeak-ng streams take the
 * part's voices in an order that goes through every variant before it repeats one (seeded order
 * of variants, each variant through its dialects in a seeded order), so a part's streams spread
 * over as many speakers as its hours allow. Stream lengths are whole seconds drawn uniformly (the
 * last stream of a voice takes what is left, which may be shorter). Stream ids are
 * {@code <part>-<index>} ({@code train-000}, ...), espeak-ng streams first, then each other
 * voice's; each stream's seed is drawn from the plan seed and its id. Every stream of a part reads
 * that part's text pool ({@link TextCorpus#pool}).
 *
 * <p>Usage:
 * <pre>{@code
 * CorpusPlan plan = CorpusPlan.of(Map.of(Part.TRAIN, 2.0, Part.CALIBRATION, 1.0, Part.EVALUATION, 1.0), 42);
 * ReadSpeech reader = new ReadSpeech(MultiEngineSynth.defaults(), TextCorpus.fortunes());
 * String recipe = reader.recipeId(plan);   // rebuild a cache when this changes
 * reader.renderAll(plan.streams(Part.TRAIN), 2, stream -> write(stream), CorpusProgress.lines(log::info));
 * }</pre>
 * Immutable and thread-safe.
 */
public final class CorpusPlan {

    /** Share of each part's hours read by espeak-ng voices; the rest goes to flite and Festival. */
    public static final double ESPEAK_SHARE = 0.70;

    public static final int MIN_STREAM_SECONDS = 120;
    public static final int MAX_STREAM_SECONDS = 300;
    /** Most hours one part may ask for. */
    public static final double MAX_HOURS = 1_000;

    private static final String PLAN_VERSION = "corpus-plan-v1";

    private final Map<Part, Double> hours;
    private final long seed;
    private final List<StreamSpec> streams;

    private CorpusPlan(Map<Part, Double> hours, long seed, VoiceCatalog catalog) {
        this.hours = Collections.unmodifiableMap(hours);
        this.seed = seed;
        List<StreamSpec> all = new ArrayList<>();
        for (Map.Entry<Part, Double> part : hours.entrySet()) {
            all.addAll(planPart(part.getKey(), part.getValue() * 3600, catalog));
        }
        this.streams = List.copyOf(all);
    }

    /**
     * The plan for {@code hoursPerPart} (bank parts only; a part left out gets none) from the
     * {@link VoiceCatalog#standard() standard catalog}.
     *
     * @throws IllegalArgumentException for {@link Part#USERS}, or hours that are negative, not finite or above {@value #MAX_HOURS}
     */
    public static CorpusPlan of(Map<Part, Double> hoursPerPart, long seed) {
        Objects.requireNonNull(hoursPerPart, "hoursPerPart");
        Map<Part, Double> hours = new EnumMap<>(Part.class);
        for (Map.Entry<Part, Double> e : hoursPerPart.entrySet()) {
            Part part = Objects.requireNonNull(e.getKey(), "part");
            double h = Objects.requireNonNull(e.getValue(), "hours");
            if (!part.bank()) {
                throw new IllegalArgumentException(
                        "USERS voices are held out for synthetic users; a corpus plan covers " + Part.BANK);
            }
            if (!(h >= 0 && h <= MAX_HOURS)) {
                throw new IllegalArgumentException("hours for " + part + " must be 0-" + MAX_HOURS + ", was " + h);
            }
            hours.put(part, h);
        }
        return new CorpusPlan(hours, seed, VoiceCatalog.standard());
    }

    /** Every stream, part by part in {@link Part} order. */
    public List<StreamSpec> streams() {
        return streams;
    }

    /** The streams of one part. */
    public List<StreamSpec> streams(Part part) {
        return streams.stream().filter(s -> s.part() == part).toList();
    }

    /** The hours asked for, per part. */
    public Map<Part, Double> hoursPerPart() {
        return hours;
    }

    public long seed() {
        return seed;
    }

    /** Total planned seconds of a part. */
    public double seconds(Part part) {
        return streams(part).stream().mapToDouble(StreamSpec::seconds).sum();
    }

    /** Every parameter and stream, one per line: what {@link ReadSpeech#recipeId} hashes. */
    public String canonical() {
        StringBuilder out = new StringBuilder(PLAN_VERSION)
                .append(" seed=")
                .append(seed)
                .append(String.format(
                        Locale.ROOT,
                        " espeak=%.3f streams=%d-%ds",
                        ESPEAK_SHARE,
                        MIN_STREAM_SECONDS,
                        MAX_STREAM_SECONDS));
        hours.forEach((part, h) -> out.append(String.format(Locale.ROOT, " %s=%.6fh", part, h)));
        for (StreamSpec s : streams) {
            out.append('\n').append(s.canonical());
        }
        return out.toString();
    }

    /** Per part: hours, stream count and seconds per engine, e.g. for a manifest. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (Part part : hours.keySet()) {
            Map<Engine, Double> byEngine = new EnumMap<>(Engine.class);
            Map<String, Integer> voices = new LinkedHashMap<>();
            for (StreamSpec s : streams(part)) {
                byEngine.merge(s.voice().engine(), s.seconds(), Double::sum);
                voices.merge(s.voice().voice().id(), 1, Integer::sum);
            }
            StringBuilder line = new StringBuilder(String.format(
                    Locale.ROOT,
                    "%s %.2f h, %d streams, %d voices:",
                    part,
                    seconds(part) / 3600,
                    streams(part).size(),
                    voices.size()));
            byEngine.forEach(
                    (engine, seconds) -> line.append(String.format(Locale.ROOT, " %s %.0f s", engine.id(), seconds)));
            lines.add(line.toString());
        }
        return lines;
    }

    private List<StreamSpec> planPart(Part part, double seconds, VoiceCatalog catalog) {
        List<CatalogVoice> espeak = espeakOrder(catalog.voices(part, Engine.ESPEAK_NG), random(part + "/espeak-order"));
        List<CatalogVoice> others = catalog.voices(part).stream()
                .filter(v -> v.engine() != Engine.ESPEAK_NG)
                .toList();
        double espeakSeconds = others.isEmpty() ? seconds : espeak.isEmpty() ? 0 : seconds * ESPEAK_SHARE;
        List<StreamSpec> out = new ArrayList<>();
        String prefix = part.name().toLowerCase(Locale.ROOT);
        List<Double> lengths = lengths(espeakSeconds, random(part + "/espeak-lengths"));
        for (int i = 0; i < lengths.size(); i++) {
            out.add(stream(prefix, out.size(), part, espeak.get(i % espeak.size()), lengths.get(i)));
        }
        for (CatalogVoice voice : others) {
            for (double length : lengths(
                    (seconds - espeakSeconds) / others.size(),
                    random(part + "/" + voice.voice().id() + "/lengths"))) {
                out.add(stream(prefix, out.size(), part, voice, length));
            }
        }
        return out;
    }

    private StreamSpec stream(String prefix, int index, Part part, CatalogVoice voice, double seconds) {
        String id = String.format(Locale.ROOT, "%s-%03d", prefix, index);
        return new StreamSpec(id, part, voice, seconds, random("stream/" + id).nextLong());
    }

    /** Whole-second lengths of 120-300 s adding up to {@code seconds}; the last takes the rest (at most 300 s). */
    static List<Double> lengths(double seconds, SplittableRandom random) {
        List<Double> out = new ArrayList<>();
        double left = seconds;
        while (left > 1e-9) {
            if (left <= MAX_STREAM_SECONDS) {
                out.add(left);
                break;
            }
            // left > 300, so this leaves at least 120 s for what follows
            int most = (int) Math.min(MAX_STREAM_SECONDS, Math.floor(left - MIN_STREAM_SECONDS));
            int length = MIN_STREAM_SECONDS + random.nextInt(most - MIN_STREAM_SECONDS + 1);
            out.add((double) length);
            left -= length;
        }
        return out;
    }

    /** Round-robin over the variants (seeded order), each through its dialects (seeded order). */
    private static List<CatalogVoice> espeakOrder(List<CatalogVoice> voices, SplittableRandom random) {
        Map<String, List<CatalogVoice>> byVariant = new LinkedHashMap<>();
        for (CatalogVoice v : voices) {
            byVariant
                    .computeIfAbsent(v.voice().variant(), k -> new ArrayList<>())
                    .add(v);
        }
        List<String> variants = shuffled(new ArrayList<>(byVariant.keySet()), random);
        List<List<CatalogVoice>> dialects = new ArrayList<>();
        for (String variant : variants) {
            dialects.add(shuffled(byVariant.get(variant), random));
        }
        List<CatalogVoice> order = new ArrayList<>();
        for (int round = 0; order.size() < voices.size(); round++) {
            for (List<CatalogVoice> d : dialects) {
                if (round < d.size()) {
                    order.add(d.get(round));
                }
            }
        }
        return order;
    }

    private static <T> List<T> shuffled(List<T> items, SplittableRandom random) {
        List<T> out = new ArrayList<>(items);
        for (int i = out.size() - 1; i > 0; i--) {
            Collections.swap(out, i, random.nextInt(i + 1));
        }
        return out;
    }

    private SplittableRandom random(String label) {
        return SyntheticUsers.random(seed, "corpus-plan/" + label);
    }

    @Override
    public String toString() {
        return "CorpusPlan[seed " + seed + ", " + hours + ", " + streams.size() + " streams]";
    }
}
