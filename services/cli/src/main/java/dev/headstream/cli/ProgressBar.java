package dev.headstream.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar for long work: on a terminal it redraws one line
 * ({@code bank [#########...........]  1.20/4.00 h  30%  2:01 elapsed, ~4:40 left}); when the
 * output is not a terminal (a log, CI) it prints a line every 10 % instead. Thread-safe.
 */
public final class ProgressBar {

    private static final int WIDTH = 30;

    private final String label;
    private final String unit;
    private final double total;
    private final PrintStream out;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private double done;
    private int lastDecile = -1;
    private long lastDraw;

    /**
     * @param label shown first, e.g. {@code bank}
     * @param unit  what is counted, e.g. {@code h}
     * @param total the amount at 100 %
     */
    public ProgressBar(String label, String unit, double total, PrintStream out) {
        this.label = label;
        this.unit = unit;
        this.total = total;
        this.out = out;
        this.terminal = System.console() != null;
    }

    /** Adds {@code amount} to what is done and redraws when due. */
    public synchronized void advance(double amount) {
        done = Math.min(total, done + amount);
        int decile = total <= 0 ? 10 : (int) Math.floor(10 * done / total);
        long now = System.nanoTime();
        if (terminal) {
            if (now - lastDraw > 200_000_000L || done >= total) {
                out.print("\r" + line());
                out.flush();
                lastDraw = now;
            }
        } else if (decile > lastDecile) {
            out.println(line());
            lastDecile = decile;
        }
    }

    /** Ends the bar's line. */
    public synchronized void finish() {
        if (terminal) {
            out.println("\r" + line());
        } else if (lastDecile < 10) {
            out.println(line());
            lastDecile = 10;
        }
    }

    private String line() {
        double fraction = total <= 0 ? 1 : done / total;
        int filled = (int) Math.round(WIDTH * fraction);
        double elapsed = (System.nanoTime() - start) / 1e9;
        String left = fraction <= 0 ? "" : ", ~" + clock(elapsed / fraction - elapsed) + " left";
        return String.format(
                Locale.ROOT,
                "%s [%s%s] %6.2f/%.2f %s %3.0f%%  %s elapsed%s",
                label,
                "#".repeat(filled),
                ".".repeat(WIDTH - filled),
                done,
                total,
                unit,
                100 * fraction,
                clock(elapsed),
                fraction >= 1 ? "" : left);
    }

    private static String clock(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
