package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.SynthRequest;
import dev.headstream.runtime.speech.Synthesizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A disk cache in front of another {@link Synthesizer}.
 *
 * <p>Each result is stored as raw little-endian int16 in {@code <dir>/<k0k1>/<key>.pcm}, where
 * {@code key} is the SHA-256 of the delegate's {@link Synthesizer#identityFor identity for the
 * request} (for a {@link MultiEngineSynth}, only the engine the request's voice needs) and the
 * request's {@link SynthRequest#canonical() canonical form}: a change of any synthesis
 * parameter or tool version misses. {@link #synthesizeAll} hands the misses of a batch to the
 * delegate as one batch. Entries are written to a temporary file and moved into
 * place atomically, so concurrent threads or processes sharing a directory never read a
 * partial entry; a damaged entry (odd length, empty) is synthesized again and replaced.
 *
 * <p>Thread-safe if the delegate is.
 */
public final class CachingSynthesizer implements Synthesizer {

    private static final String FORMAT = "headstream-synth-cache-v1";

    private final Synthesizer delegate;
    private final Path directory;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    /**
     * @param delegate  the synthesizer whose results are cached
     * @param directory the cache directory, created when missing
     */
    public CachingSynthesizer(Synthesizer delegate, Path directory) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.directory = Objects.requireNonNull(directory, "directory");
    }

    @Override
    public short[] synthesize(SynthRequest request) {
        Path entry = entryFor(request);
        short[] cached = read(entry);
        if (cached != null) {
            hits.incrementAndGet();
            return cached;
        }
        misses.incrementAndGet();
        short[] pcm = delegate.synthesize(request);
        write(entry, pcm);
        return pcm;
    }

    @Override
    public List<short[]> synthesizeAll(List<SynthRequest> requests) {
        short[][] out = new short[requests.size()][];
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            out[i] = read(entryFor(requests.get(i)));
            if (out[i] == null) {
                missing.add(i);
            } else {
                hits.incrementAndGet();
            }
        }
        if (!missing.isEmpty()) {
            misses.addAndGet(missing.size());
            List<short[]> made =
                    delegate.synthesizeAll(missing.stream().map(requests::get).toList());
            for (int j = 0; j < missing.size(); j++) {
                int i = missing.get(j);
                out[i] = made.get(j);
                write(entryFor(requests.get(i)), out[i]);
            }
        }
        return Arrays.asList(out);
    }

    @Override
    public String identity() {
        return delegate.identity();
    }

    @Override
    public String identityFor(SynthRequest request) {
        return delegate.identityFor(request);
    }

    /** The file that holds (or will hold) the result of {@code request}. */
    public Path entryFor(SynthRequest request) {
        String key = key(delegate.identityFor(request), request);
        return directory.resolve(key.substring(0, 2)).resolve(key + ".pcm");
    }

    /** Number of requests answered from disk since construction. */
    public long hits() {
        return hits.get();
    }

    /** Number of requests that had to be synthesized since construction. */
    public long misses() {
        return misses.get();
    }

    /** The cache directory. */
    public Path directory() {
        return directory;
    }

    static String key(String identity, SynthRequest request) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((FORMAT + "\n" + identity + "\n" + request.canonical()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static short[] read(Path entry) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(entry);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read synthesis cache entry " + entry, e);
        }
        if (bytes.length == 0 || bytes.length % 2 != 0) {
            return null;
        }
        short[] pcm = new short[bytes.length / 2];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(pcm);
        return pcm;
    }

    private static void write(Path entry, short[] pcm) {
        ByteBuffer bytes = ByteBuffer.allocate(pcm.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asShortBuffer().put(pcm);
        try {
            Path dir = Files.createDirectories(entry.getParent());
            Path tmp = Files.createTempFile(dir, entry.getFileName().toString(), ".tmp");
            try {
                Files.write(tmp, bytes.array());
                try {
                    Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, entry, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write synthesis cache entry " + entry, e);
        }
    }

    @Override
    public String toString() {
        return "CachingSynthesizer[" + directory + ", " + delegate + "]";
    }
}
