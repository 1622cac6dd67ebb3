package dev.headstream.cli.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a child process for a test with a time limit that holds: its standard output and error go
 * to files (so a child that writes more than a pipe holds never blocks, and reading never delays
 * the wait), then the test waits at most the limit. A child still running then is killed, with its
 * descendants, and the test fails naming the command, the limit and what it wrote to standard
 * error; one that exits non-zero fails the same way. Stateless.
 */
final class BoundedProcess {

    private BoundedProcess() {}

    /**
     * Runs {@code command} in {@code workDir} and returns its standard output.
     *
     * @param scratch a folder for the output files
     * @throws AssertionError when it runs past {@code limit} (it is killed) or exits non-zero
     */
    static byte[] run(List<String> command, Path workDir, Path scratch, Duration limit)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(scratch, "process", ".out");
        Path err = Files.createTempFile(scratch, "process", ".err");
        Process p = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            boolean ended = p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", command) + " did not finish in " + limit.toSeconds()
                    + " s and was" + (ended ? " killed" : " killed but has not ended yet") + "; its standard error:\n"
                    + text(err));
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (exit " + p.exitValue()
                    + "); its standard error:\n" + text(err));
        }
        return Files.readAllBytes(out);
    }

    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
