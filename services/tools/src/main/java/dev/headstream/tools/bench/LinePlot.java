package dev.headstream.tools.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntToDoubleFunction;
import javax.imageio.ImageIO;

/**
 * A small headless line chart (PNG) of one or more panels sharing an x axis (log2, or linear for
 * time series): each panel has
 * named series of y values over the same x values. A {@link Chart} may instead stack its series as
 * bars, one bar per x value.
 */
public final class LinePlot {

    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf),
        new Color(0x393b79), new Color(0xad494a), new Color(0x637939), new Color(0xe7ba52),
    };

    /** One panel: a title, a y-axis label and range, and series by name. */
    public record Panel(String title, String yLabel, double yMin, double yMax, Map<String, double[]> series) {}

    private LinePlot() {}

    /**
     * A panel with its own x axis: {@code xs} ascending (positive when {@code logX}), one y value
     * per x in each series; with {@code stackedBars}, one bar per x value (evenly spaced, labelled
     * with it) of the series stacked in order, and {@code logX} does not apply.
     */
    public record Chart(Panel panel, String xLabel, int[] xs, boolean logX, boolean stackedBars) {

        /** Lines over {@code xs}. */
        public Chart(Panel panel, String xLabel, int[] xs, boolean logX) {
            this(panel, xLabel, xs, logX, false);
        }

        /** One bar per x value, the series stacked in order. */
        public static Chart stacked(Panel panel, String xLabel, int[] xs) {
            return new Chart(panel, xLabel, xs, false, true);
        }
    }

    public static void write(Path png, String title, String xLabel, int[] xs, List<Panel> panels) throws IOException {
        write(png, title, xLabel, xs, panels, true);
    }

    /** {@link #write} with a linear x axis when {@code logX} is false (time series: sparse tick labels, no dots). */
    public static void write(Path png, String title, String xLabel, int[] xs, List<Panel> panels, boolean logX)
            throws IOException {
        write(
                png,
                title,
                panels.stream().map(p -> new Chart(p, xLabel, xs, logX)).toList());
    }

    /** Panels side by side, each on its own x axis, with one legend for every series name. */
    public static void write(Path png, String title, List<Chart> charts) throws IOException {
        int panelW = 620;
        int panelH = 420;
        int legendW = 260;
        int w = panelW * charts.size() + legendW;
        int h = panelH + 60;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, 20, 26);
        Map<String, Color> colors = new LinkedHashMap<>();
        for (int p = 0; p < charts.size(); p++) {
            Chart chart = charts.get(p);
            Panel panel = chart.panel();
            int[] xs = chart.xs();
            boolean logX = chart.logX() && !chart.stackedBars();
            IntToDoubleFunction pos = logX ? LinePlot::log2 : x -> x;
            int labelEvery = logX || chart.stackedBars() ? 1 : Math.max(1, (xs.length + 11) / 12);
            int x0 = p * panelW + 70;
            int y0 = 60;
            int pw = panelW - 100;
            int ph = panelH - 80;
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            g.setColor(Color.BLACK);
            g.drawString(panel.title(), x0, y0 - 8);
            g.drawRect(x0, y0, pw, ph);
            double lx0 = pos.applyAsDouble(xs[0]);
            double lx1 = pos.applyAsDouble(xs[xs.length - 1]);
            for (int i = 0; i <= 4; i++) {
                double v = panel.yMin() + (panel.yMax() - panel.yMin()) * i / 4;
                int y = y0 + ph - (int) Math.round(ph * i / 4.0);
                g.setColor(new Color(0xe0e0e0));
                g.drawLine(x0 + 1, y, x0 + pw - 1, y);
                g.setColor(Color.BLACK);
                g.drawString(String.format(Locale.ROOT, "%.2f", v), x0 - 45, y + 4);
            }
            for (int i = 0; i < xs.length; i += labelEvery) {
                int px = chart.stackedBars()
                        ? barCenter(x0, pw, i, xs.length)
                        : x0 + (int) Math.round(pw * (pos.applyAsDouble(xs[i]) - lx0) / Math.max(1e-9, lx1 - lx0));
                g.drawString(Integer.toString(xs[i]), px - 4, y0 + ph + 18);
            }
            g.drawString(chart.xLabel(), x0 + pw / 2 - 40, y0 + ph + 38);
            g.drawString(panel.yLabel(), x0 - 60, y0 - 24);
            if (chart.stackedBars()) {
                bars(g, panel, colors, x0, y0, pw, ph, xs.length);
                continue;
            }
            int s = 0;
            for (Map.Entry<String, double[]> e : panel.series().entrySet()) {
                Color c = colors.computeIfAbsent(e.getKey(), k -> PALETTE[colors.size() % PALETTE.length]);
                g.setColor(c);
                g.setStroke(new BasicStroke(2f));
                int px = -1;
                int py = -1;
                for (int i = 0; i < xs.length; i++) {
                    double v = Math.max(panel.yMin(), Math.min(panel.yMax(), e.getValue()[i]));
                    int x = x0 + (int) Math.round(pw * (pos.applyAsDouble(xs[i]) - lx0) / Math.max(1e-9, lx1 - lx0));
                    int y = y0 + ph - (int) Math.round(ph * (v - panel.yMin()) / (panel.yMax() - panel.yMin()));
                    if (logX) {
                        g.fillOval(x - 3, y - 3, 6, 6);
                    }
                    if (px >= 0) {
                        g.drawLine(px, py, x, y);
                    }
                    px = x;
                    py = y;
                }
                s++;
            }
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        int ly = 70;
        for (Map.Entry<String, Color> e : colors.entrySet()) {
            g.setColor(e.getValue());
            g.fillRect(panelW * charts.size() + 10, ly - 10, 14, 10);
            g.setColor(Color.BLACK);
            g.drawString(e.getKey(), panelW * charts.size() + 30, ly);
            ly += 20;
        }
        g.dispose();
        ImageIO.write(img, "png", png.toFile());
    }

    /** The smallest 1, 2 or 5 times a power of ten at or above {@code v}, for a y axis's top. */
    public static double niceCeil(double v) {
        double scale = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * scale >= v) {
                return m * scale;
            }
        }
        return 10 * scale;
    }

    /** The series of {@code panel} stacked as one bar per x value. */
    private static void bars(
            Graphics2D g, Panel panel, Map<String, Color> colors, int x0, int y0, int pw, int ph, int count) {
        int half = Math.max(2, pw / count / 4);
        double[] base = new double[count];
        for (Map.Entry<String, double[]> e : panel.series().entrySet()) {
            Color c = colors.computeIfAbsent(e.getKey(), k -> PALETTE[colors.size() % PALETTE.length]);
            g.setColor(c);
            for (int i = 0; i < count; i++) {
                double v = Math.max(0, e.getValue()[i]);
                int top = barY(panel, y0, ph, base[i] + v);
                int bottom = barY(panel, y0, ph, base[i]);
                int cx = barCenter(x0, pw, i, count);
                g.fillRect(cx - half, top, 2 * half, Math.max(0, bottom - top));
                base[i] += v;
            }
        }
    }

    private static int barCenter(int x0, int pw, int i, int count) {
        return x0 + (int) Math.round(pw * (i + 0.5) / count);
    }

    private static int barY(Panel panel, int y0, int ph, double v) {
        double clipped = Math.max(panel.yMin(), Math.min(panel.yMax(), v));
        return y0 + ph - (int) Math.round(ph * (clipped - panel.yMin()) / (panel.yMax() - panel.yMin()));
    }

    private static double log2(int x) {
        return Math.log(x) / Math.log(2);
    }
}
