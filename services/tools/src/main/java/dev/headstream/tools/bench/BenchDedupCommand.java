package dev.headstream.tools.bench;

import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.ingest.UserKey;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code headstream bench-dedup}: what a user's dedup window costs. For each sample id length,
 * fills {@code --users} {@link UserState}s (no heads) with {@code --window} distinct random ids of
 * that length, each a string of its own as a decoded sample's id is, and reports the heap they hold
 * (used heap after GC, before and after, per user); the same with {@code --few} ids per user; and
 * the time of {@link UserState#copy()} of a user with a full window (the engine copies a user for
 * each sample it applies). Prints a table.
 */
@Command(
        name = "bench-dedup",
        mixinStandardHelpOptions = true,
        description = "Heap per user of a full dedup window, and the time to copy a user with one.")
public final class BenchDedupCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(
            names = "--users",
            defaultValue = "200",
            description = "Users allocated per measurement (default ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--window",
            defaultValue = "4096",
            description = "The dedup window, sample ids per user (default ${DEFAULT-VALUE}, headstream.dedup-window).")
    int window;

    @Option(
            names = "--few",
            defaultValue = "16",
            description = "Sample ids per user of the second measurement (default ${DEFAULT-VALUE}).")
    int few;

    @Option(
            names = "--id-lengths",
            split = ",",
            defaultValue = "36,256",
            description = "Sample id lengths in characters (default ${DEFAULT-VALUE}: a UUID, the longest accepted).")
    List<Integer> idLengths;

    @Option(
            names = "--copies",
            defaultValue = "2000",
            description = "Copies of a full-window user timed per round, 5 rounds (default ${DEFAULT-VALUE}).")
    int copies;

    @Override
    public Integer call() {
        if (users < 1
                || window < 1
                || few < 0
                || copies < 1
                || idLengths.stream().anyMatch(l -> l < 36)) {
            throw new IllegalArgumentException(
                    "--users, --window and --copies must be at least 1, --few at least 0, each id length at least 36");
        }
        PrintWriter o = spec.commandLine().getOut();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        o.printf(
                Locale.ROOT, "dedup window of %,d sample ids; heap per user after GC, %,d users each%n", window, users);
        o.printf(
                Locale.ROOT,
                "  %-10s %16s %16s %18s%n",
                "id chars",
                "full window B",
                few + " ids B",
                "copy, full (us)");
        for (int length : idLengths) {
            long full = bytesPerUser(memory, length, window);
            long some = bytesPerUser(memory, length, few);
            double copyMicros = copyMicros(length);
            o.printf(Locale.ROOT, "  %-10d %,16d %,16d %18.1f%n", length, full, some, copyMicros);
            o.flush();
        }
        return 0;
    }

    /** Heap held per user by {@code users} users with {@code ids} random ids of {@code length} characters each. */
    private long bytesPerUser(MemoryMXBean memory, int length, int ids) {
        SplittableRandom random = new SplittableRandom(length * 31L + ids);
        UserState[] held = new UserState[users];
        long before = usedAfterGc(memory);
        for (int u = 0; u < users; u++) {
            held[u] = filled(u, length, ids, random);
        }
        long after = usedAfterGc(memory);
        Reference.reachabilityFence(held);
        // the users, less the array that holds them (16 B header + 4 B per compressed reference)
        return (after - before - align(16 + 4L * users)) / users;
    }

    private double copyMicros(int length) {
        UserState user = filled(0, length, window, new SplittableRandom(length));
        double[] rounds = new double[5];
        UserState last = null;
        for (int warm = 0; warm < copies; warm++) {
            last = user.copy();
        }
        for (int r = 0; r < rounds.length; r++) {
            long start = System.nanoTime();
            for (int i = 0; i < copies; i++) {
                last = user.copy();
            }
            rounds[r] = (System.nanoTime() - start) / 1e3 / copies;
        }
        Reference.reachabilityFence(last);
        Arrays.sort(rounds);
        return rounds[rounds.length / 2];
    }

    private UserState filled(int u, int length, int ids, SplittableRandom random) {
        UserState user = new UserState(new UserKey("tenant-a", "user-" + u), window);
        for (int i = 0; i < ids; i++) {
            if (!user.firstSighting(sampleId(random, length))) {
                throw new IllegalStateException("a random sample id repeated");
            }
        }
        return user;
    }

    /** A random UUID, padded with hex digits to {@code length} characters. */
    static String sampleId(SplittableRandom random, int length) {
        StringBuilder id = new StringBuilder(length);
        id.append(new UUID(random.nextLong(), random.nextLong()));
        while (id.length() < length) {
            id.append(Character.forDigit(random.nextInt(16), 16));
        }
        return id.toString();
    }

    private static long usedAfterGc(MemoryMXBean memory) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }
}
