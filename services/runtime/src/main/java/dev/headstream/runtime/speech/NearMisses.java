package dev.headstream.runtime.speech;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Near misses of a wake phrase: phrases one phoneme away from it, as espeak-ng phoneme input.
 *
 * <p>A phrase's phonemes come from {@code espeak-ng -q -x} (Kirshenbaum-like mnemonics such as
 * {@code oUk'eI n'oUv@} for "okay nova"). {@link #tokens} splits such a string into phonemes
 * (longest known mnemonic first), stress marks ({@code ' ,}) and word breaks; {@link #variants}
 * substitutes exactly one phoneme by a phonetically close one from {@link #NEIGHBOURS} (a stop by
 * the stop of the other voicing or place, a vowel by a neighbouring vowel, ...), leaving every
 * other token as it was; {@link #speakable} wraps a variant as {@code [[...]]}, which espeak-ng
 * pronounces as written, so an espeak-ng voice says the near miss. Only substitutions: a deletion
 * or insertion also makes a phrase one phoneme away, but is not generated.
 *
 * <p>Deterministic: the same phonemes, count and seed give the same variants. Stateless, so
 * thread-safe; only {@link #phonemesOf} starts a process.
 */
public final class NearMisses {

    /**
     * Each phoneme that may be substituted and its close alternatives, closest first. Phonemes
     * outside this map (rare mnemonics, unknown characters) are kept in every variant.
     */
    public static final Map<String, List<String>> NEIGHBOURS = Map.ofEntries(
            // stops: voicing, then place
            Map.entry("p", List.of("b", "t", "k")),
            Map.entry("b", List.of("p", "d", "g")),
            Map.entry("t", List.of("d", "p", "k")),
            Map.entry("d", List.of("t", "b", "g")),
            Map.entry("k", List.of("g", "t", "p")),
            Map.entry("g", List.of("k", "d", "b")),
            // nasals
            Map.entry("m", List.of("n", "N")),
            Map.entry("n", List.of("m", "N")),
            Map.entry("N", List.of("n", "m")),
            // fricatives and affricates
            Map.entry("f", List.of("v", "T", "s")),
            Map.entry("v", List.of("f", "D", "b")),
            Map.entry("T", List.of("f", "s", "D")),
            Map.entry("D", List.of("v", "T", "z")),
            Map.entry("s", List.of("z", "S", "T")),
            Map.entry("z", List.of("s", "Z", "D")),
            Map.entry("S", List.of("Z", "s", "tS")),
            Map.entry("Z", List.of("S", "z", "dZ")),
            Map.entry("h", List.of("k", "f")),
            Map.entry("tS", List.of("dZ", "S", "t")),
            Map.entry("dZ", List.of("tS", "Z", "d")),
            // approximants
            Map.entry("l", List.of("r", "w", "n")),
            Map.entry("r", List.of("l", "w")),
            Map.entry("w", List.of("r", "v")),
            Map.entry("j", List.of("w", "l")),
            // monophthongs
            Map.entry("i:", List.of("I", "eI")),
            Map.entry("I", List.of("i:", "e", "@")),
            Map.entry("e", List.of("a", "I", "eI")),
            Map.entry("a", List.of("e", "V", "A:")),
            Map.entry("V", List.of("a", "0", "@")),
            Map.entry("0", List.of("O:", "V", "oU")),
            Map.entry("U", List.of("u:", "V")),
            Map.entry("u:", List.of("U", "oU")),
            Map.entry("@", List.of("V", "I", "e")),
            Map.entry("3:", List.of("A@", "@", "e@")),
            Map.entry("A:", List.of("a", "A@", "V")),
            Map.entry("O:", List.of("0", "oU")),
            // diphthongs
            Map.entry("eI", List.of("aI", "e", "i:")),
            Map.entry("aI", List.of("eI", "OI", "a")),
            Map.entry("OI", List.of("aI", "oU")),
            Map.entry("aU", List.of("oU", "aI")),
            Map.entry("oU", List.of("aU", "u:", "O:")),
            Map.entry("A@", List.of("3:", "A:", "O@")),
            Map.entry("O@", List.of("A@", "O:")),
            Map.entry("e@", List.of("eI", "I@", "3:")),
            Map.entry("I@", List.of("i:", "e@")),
            Map.entry("U@", List.of("u:", "O@")),
            Map.entry("@L", List.of("l", "@")));

    /** Marks kept as they are: primary and secondary stress, a word break. */
    private static final Set<String> MARKS = Set.of("'", ",", " ");

    /** Mnemonics that tokenise as one phoneme although longer than one character, longest first. */
    private static final List<String> LONG_MNEMONICS;

    static {
        Set<String> longer = new LinkedHashSet<>();
        for (Map.Entry<String, List<String>> e : NEIGHBOURS.entrySet()) {
            Stream.concat(Stream.of(e.getKey()), e.getValue().stream())
                    .filter(m -> m.length() > 1)
                    .forEach(longer::add);
        }
        // mnemonics espeak-ng prints for English that have no neighbours here, but must stay whole
        longer.addAll(List.of("aI@", "aU@", "i@", "I2", "I#", "@2", "@5", "a#", "e#", "3:r", "A@r", "O@r", "o@"));
        List<String> sorted = new ArrayList<>(longer);
        sorted.sort((x, y) -> Integer.compare(y.length(), x.length()));
        LONG_MNEMONICS = List.copyOf(sorted);
    }

    private NearMisses() {}

    /**
     * The tokens of an espeak-ng phoneme string: phonemes, stress marks and word breaks, in
     * order; joined they give the string back (runs of white space as one space, ends stripped).
     */
    public static List<String> tokens(String phonemes) {
        Objects.requireNonNull(phonemes, "phonemes");
        String s = phonemes.strip().replaceAll("\\s+", " ");
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            String match = null;
            for (String m : LONG_MNEMONICS) {
                if (s.startsWith(m, i)) {
                    match = m;
                    break;
                }
            }
            if (match == null) {
                match = s.substring(i, i + 1);
            }
            out.add(match);
            i += match.length();
        }
        return out;
    }

    /** Whether {@code token} is a phoneme that {@link #variants} may substitute. */
    public static boolean substitutable(String token) {
        return !MARKS.contains(token) && NEIGHBOURS.containsKey(token);
    }

    /**
     * Up to {@code max} distinct phoneme strings that differ from {@code phonemes} in exactly one
     * phoneme, substituted by one of its {@link #NEIGHBOURS}; every stress mark and word break kept.
     * A variant that {@link #tokens} reads as another number of tokens than {@code phonemes} (the
     * substitute fuses with a neighbouring phoneme into a longer mnemonic) is dropped.
     * Which substitutions, and their order, are drawn with {@code seed}; the closest alternative of
     * each phoneme comes before the others, so a small {@code max} spreads over the phrase's
     * phonemes before it takes second choices.
     */
    public static List<String> variants(String phonemes, int max, long seed) {
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative, was " + max);
        }
        List<String> tokens = tokens(phonemes);
        SplittableRandom random = new SplittableRandom(seed);
        // rank r holds every position's r-th closest alternative; each rank shuffled on its own
        List<List<int[]>> ranks = new ArrayList<>();
        for (int pos = 0; pos < tokens.size(); pos++) {
            if (!substitutable(tokens.get(pos))) {
                continue;
            }
            List<String> alternatives = NEIGHBOURS.get(tokens.get(pos));
            for (int r = 0; r < alternatives.size(); r++) {
                while (ranks.size() <= r) {
                    ranks.add(new ArrayList<>());
                }
                ranks.get(r).add(new int[] {pos, r});
            }
        }
        String original = String.join("", tokens);
        Set<String> out = new LinkedHashSet<>();
        for (List<int[]> rank : ranks) {
            for (int i = rank.size() - 1; i > 0; i--) {
                Collections.swap(rank, i, random.nextInt(i + 1));
            }
            for (int[] choice : rank) {
                if (out.size() >= max) {
                    return List.copyOf(out);
                }
                List<String> changed = new ArrayList<>(tokens);
                changed.set(choice[0], NEIGHBOURS.get(tokens.get(choice[0])).get(choice[1]));
                String variant = String.join("", changed);
                // espeak-ng reads the joined string again: a substitute that fuses with a neighbour
                // (u: before @ reads U@, d before S reads tS) is not one phoneme away
                if (!variant.equals(original) && tokens(variant).size() == tokens.size()) {
                    out.add(variant);
                }
            }
        }
        return List.copyOf(out);
    }

    /** {@code phonemes} as espeak-ng phoneme input: {@code [[phonemes]]}. */
    public static String speakable(String phonemes) {
        return "[[" + phonemes.strip() + "]]";
    }

    /** The phonemes espeak-ng gives {@code text} in {@code voice} ({@code espeak-ng -q -x -v voice}). */
    public static String phonemesOf(String text, Voice voice) {
        Objects.requireNonNull(text, "text");
        if (voice.engine() != Engine.ESPEAK_NG) {
            throw new IllegalArgumentException("phonemes come from espeak-ng voices only, not " + voice.id());
        }
        if (text.isBlank() || text.startsWith("-")) {
            throw new IllegalArgumentException("not a phrase: '" + text + "'");
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("near-misses");
            return new ToolRunner(Duration.ofSeconds(30), null)
                    .run(dir, "espeak-ng", List.of("espeak-ng", "-q", "-x", "-v", voice.espeakName(), "--", text))
                    .strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a temporary directory for espeak-ng", e);
        } finally {
            if (dir != null) {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Collections.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                } catch (IOException ignored) {
                    // a temporary directory left behind is harmless
                }
            }
        }
    }
}
