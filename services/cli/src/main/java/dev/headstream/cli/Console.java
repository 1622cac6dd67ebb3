package dev.headstream.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Where a command reports while it runs: lines prefixed with its name ({@code eval: ...}) and
 * {@link ProgressBar}s, on one writer. On a terminal a line first clears a progress bar that is
 * being redrawn in place. Thread-safe: lines from worker threads do not interleave.
 */
public final class Console {

    private final String prefix;
    private final PrintWriter out;
    private final boolean terminal;

    /** @param command the command's name, e.g. {@code eval}: each line starts {@code eval: } */
    public Console(PrintWriter out, String command) {
        this.prefix = Objects.requireNonNull(command, "command") + ": ";
        this.out = Objects.requireNonNull(out, "out");
        this.terminal = System.console() != null;
    }

    /** Prints {@code <command>: <text>}. */
    public void line(String text) {
        synchronized (out) {
            if (terminal) {
                out.print("\r" + " ".repeat(110) + "\r");
            }
            out.println(prefix + text);
            out.flush();
        }
    }

    /** Prints {@code text} as it is (a table). */
    public void raw(String text) {
        synchronized (out) {
            out.print(text);
            out.flush();
        }
    }

    /** A progress bar on this console's writer. */
    public ProgressBar progress(String label, String unit, double total) {
        return new ProgressBar(
                prefix + label, unit, total, new PrintStream(new WriterStream(out), true, StandardCharsets.UTF_8));
    }

    /** Bytes to the writer, as UTF-8 text (the progress bar writes ASCII). */
    private static final class WriterStream extends OutputStream {
        private final PrintWriter out;

        WriterStream(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void write(int b) {
            synchronized (out) {
                out.write(b & 0xff);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (out) {
                out.write(new String(b, off, len, StandardCharsets.UTF_8));
            }
        }

        @Override
        public void flush() {
            out.flush();
        }
    }
}
