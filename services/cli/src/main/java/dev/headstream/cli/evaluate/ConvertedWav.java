package dev.headstream.cli.evaluate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * A native WAV file ({@link WavHeader#isNative()}: 16 kHz mono signed 16-bit PCM) that
 * {@link Sox#convert} wrote into a temporary directory of its own. {@link #close} deletes the
 * directory with everything in it; a directory still there when the JVM exits is deleted then, by
 * a shutdown hook (as is one whose deletion failed, e.g. on Windows while a reader still had the
 * file open).
 *
 * <p>Thread-safe; {@link #close} may be called any number of times.
 */
public final class ConvertedWav implements AutoCloseable {

    /** Temporary directories made here and not yet deleted. */
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    private static volatile boolean shuttingDown;
    private static boolean hooked;

    private final Path directory;
    private final Path file;
    private final WavHeader header;
    private final AtomicBoolean closed = new AtomicBoolean();

    ConvertedWav(Path directory, Path file, WavHeader header) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.file = Objects.requireNonNull(file, "file");
        this.header = Objects.requireNonNull(header, "header");
    }

    /**
     * Makes a new temporary directory under {@code root}, deleted at JVM exit unless
     * {@link #delete} deletes it first.
     */
    static Path createDirectory(Path root, String prefix) throws IOException {
        hookOnce();
        Path dir = Files.createTempDirectory(root, prefix);
        LIVE.add(dir);
        if (shuttingDown) {
            delete(dir);
            throw new IllegalStateException("the JVM is shutting down");
        }
        return dir;
    }

    /** Deletes {@code dir} and what it holds; what cannot be deleted now is left for the shutdown hook. */
    static void delete(Path dir) {
        if (deleteTree(dir)) {
            LIVE.remove(dir);
        }
    }

    /** The temporary native WAV file. */
    public Path file() {
        return file;
    }

    /** Its header (always {@link WavHeader#isNative() native}). */
    public WavHeader header() {
        return header;
    }

    /** Whether {@link #close} was called (the file is gone or going). */
    public boolean isClosed() {
        return closed.get();
    }

    /** Deletes the file and its temporary directory. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            delete(directory);
        }
    }

    private static synchronized void hookOnce() {
        if (!hooked) {
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                shuttingDown = true;
                                List.copyOf(LIVE).forEach(ConvertedWav::deleteTree);
                            },
                            "headstream-converted-audio-cleanup"));
            hooked = true;
        }
    }

    /** Deletes {@code dir} bottom-up; whether it is gone. */
    private static boolean deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return true;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
            return true;
        } catch (IOException | UncheckedIOException e) {
            return !Files.exists(dir);
        }
    }
}
