package dev.headstream.testkit.synth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Plain English utterances for read speech, split into disjoint text pools for the negative
 * bank's {@link Part#TRAIN}, {@link Part#CALIBRATION} and {@link Part#EVALUATION} parts.
 *
 * <p>{@link #fortunes()} reads the English fortune files of the Debian packages
 * {@code fortunes-min} and {@code fortunes} ({@value #DEBIAN_FORTUNES_DIR}): the regular files
 * directly in that directory whose names have no dot (so no {@code .dat} indexes, {@code .u8}
 * links, or the offensive {@code off/} directory), except {@link #SKIPPED_FILES}. Each
 * {@code %}-separated fortune is cleaned by {@link FortuneText} into 3-40 word utterances;
 * nothing that mentions "jarvis" survives. A fortune goes to a pool by the SHA-256 of its
 * cleaned text ({@value #TRAIN_PERCENT} % TRAIN, {@value #CALIBRATION_PERCENT} % CALIBRATION,
 * the rest EVALUATION), so all utterances of one fortune stay together; an utterance that two
 * fortunes of different pools share is kept in the first pool only. Each pool is sorted and
 * free of duplicates, so it does not depend on the order files are listed in.
 *
 * <p>Immutable and thread-safe once built.
 */
public final class TextCorpus {

    /** Where the Debian fortune packages install their files. */
    public static final String DEBIAN_FORTUNES_DIR = "/usr/share/games/fortunes";
    /** Fortune files that are not prose: pictures and Perl. */
    public static final Set<String> SKIPPED_FILES = Set.of("art", "ascii-art", "perl");

    static final int TRAIN_PERCENT = 60;
    static final int CALIBRATION_PERCENT = 20;

    private final Map<Part, List<String>> pools;
    private final List<String> sources;
    private final String fingerprint;

    private TextCorpus(Map<Part, List<String>> pools, List<String> sources) {
        this.pools = pools;
        this.sources = List.copyOf(sources);
        this.fingerprint = sha256(String.join("\n", sources) + "\n" + pools);
    }

    /** The Debian fortunes in {@value #DEBIAN_FORTUNES_DIR}. */
    public static TextCorpus fortunes() {
        return fortunes(Path.of(DEBIAN_FORTUNES_DIR));
    }

    /**
     * The fortune files in {@code directory}.
     *
     * @throws IllegalStateException when the directory is missing or holds no fortune file,
     *                               naming the Debian packages to install
     */
    public static TextCorpus fortunes(Path directory) {
        List<Path> files;
        try (Stream<Path> list = Files.list(directory)) {
            files = list.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().contains("."))
                    .filter(p -> !SKIPPED_FILES.contains(p.getFileName().toString()))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw missing(directory, e);
        }
        if (files.isEmpty()) {
            throw missing(directory, null);
        }
        Map<String, List<String>> fortunes = new LinkedHashMap<>();
        for (Path file : files) {
            for (String fortune : read(file)) {
                List<String> utterances = FortuneText.utterances(fortune);
                if (!utterances.isEmpty()) {
                    fortunes.putIfAbsent(String.join(" ", utterances), utterances);
                }
            }
        }
        return new TextCorpus(
                split(fortunes),
                files.stream().map(p -> p.getFileName().toString()).toList());
    }

    /**
     * Already clean utterances (each 1-500 characters, not starting with {@code -}), split by the
     * hash of each one; those that mention "jarvis" are dropped.
     */
    public static TextCorpus of(Collection<String> utterances) {
        Map<String, List<String>> fortunes = new LinkedHashMap<>();
        for (String u : utterances) {
            if (!u.toLowerCase(Locale.ROOT).contains("jarvis")) {
                fortunes.putIfAbsent(u, List.of(u));
            }
        }
        return new TextCorpus(split(fortunes), List.of("(given)"));
    }

    /**
     * The text pool of a bank part, sorted.
     *
     * @throws IllegalArgumentException for {@link Part#USERS}, which has no text pool
     */
    public List<String> pool(Part part) {
        List<String> pool = pools.get(part);
        if (pool == null) {
            throw new IllegalArgumentException("no text pool for " + part + ": USERS voices say the users' phrases");
        }
        return pool;
    }

    /** Number of utterances per pool, in part order. */
    public Map<Part, Integer> sizes() {
        Map<Part, Integer> sizes = new EnumMap<>(Part.class);
        pools.forEach((part, pool) -> sizes.put(part, pool.size()));
        return sizes;
    }

    /** The files read, by name, sorted. */
    public List<String> sources() {
        return sources;
    }

    /** SHA-256 over the sources and every pool: changes whenever any utterance or its pool does. */
    public String fingerprint() {
        return fingerprint;
    }

    private static Map<Part, List<String>> split(Map<String, List<String>> fortunes) {
        Map<Part, TreeSet<String>> sets = new EnumMap<>(Part.class);
        for (Part part : Part.BANK) {
            sets.put(part, new TreeSet<>());
        }
        for (Map.Entry<String, List<String>> fortune : fortunes.entrySet()) {
            sets.get(partOf(fortune.getKey())).addAll(fortune.getValue());
        }
        Set<String> seen = new TreeSet<>();
        Map<Part, List<String>> pools = new EnumMap<>(Part.class);
        for (Part part : Part.BANK) {
            List<String> pool = new ArrayList<>();
            for (String u : sets.get(part)) {
                if (seen.add(u)) {
                    pool.add(u);
                }
            }
            pools.put(part, List.copyOf(pool));
        }
        return pools;
    }

    /** The pool of a text: its SHA-256, first 8 bytes unsigned, modulo 100. */
    static Part partOf(String text) {
        long h = ByteBuffer.wrap(HexFormat.of().parseHex(sha256(text).substring(0, 16)))
                .getLong();
        long bucket = Long.remainderUnsigned(h, 100);
        return bucket < TRAIN_PERCENT
                ? Part.TRAIN
                : bucket < TRAIN_PERCENT + CALIBRATION_PERCENT ? Part.CALIBRATION : Part.EVALUATION;
    }

    /** The {@code %}-separated fortunes of a file, as UTF-8 with bad bytes replaced (and so dropped later). */
    private static List<String> read(Path file) {
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read fortune file " + file, e);
        }
        List<String> fortunes = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\r?\n", -1)) {
            if (line.strip().equals("%")) {
                fortunes.add(current.toString());
                current.setLength(0);
            } else {
                current.append(line).append('\n');
            }
        }
        fortunes.add(current.toString());
        return fortunes.stream().filter(f -> !f.isBlank()).toList();
    }

    private static IllegalStateException missing(Path directory, Exception cause) {
        return new IllegalStateException(
                "no fortune files in " + directory
                        + ": install the Debian packages fortunes-min fortunes (apt-get install fortunes-min fortunes)",
                cause);
    }

    private static String sha256(String text) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "TextCorpus" + sizes();
    }
}
