package dev.headstream.cli.evaluate;

import dev.headstream.cli.ProgressBar;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Where {@code eval} reports while it runs: {@code eval: }-prefixed lines and
 * {@link ProgressBar}s, on one writer. On a terminal a line first clears a progress bar that is
 * being redrawn in place. Thread-safe: lines from worker threads do not interleave.
 */
public final class EvalConsole {

    private static final String PREFIX = "eval: ";

    private final PrintWriter out;
    private final boolean terminal;

    public EvalConsole(PrintWriter out) {
        this.out = Objects.requireNonNull(out, "out");
        this.terminal = System.console() != null;
    }

    /** Prints {@code eval: <text>}. */
    public void line(String text) {
        synchronized (out) {
            if (terminal) {
                out.print("\r" + " ".repeat(110) + "\r");
            }
            out.println(PREFIX + text);
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
                PREFIX + label, unit, total, new PrintStream(new WriterStream(out), true, StandardCharsets.UTF_8));
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
